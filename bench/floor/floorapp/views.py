"""Four bare DRF endpoints over Incident: one plain ModelSerializer, generic views, nothing else."""

import uuid

from rest_framework import generics, serializers

from incidents.models import Incident

PAGE = 50


class IncidentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Incident
        fields = "__all__"


class IncidentList(generics.ListAPIView):
    """The newest 50 incidents (a plain slice; the participants prefetched, as any DRF list of
    a model with a many-to-many field would)."""

    serializer_class = IncidentSerializer

    def get_queryset(self):
        return Incident.objects.order_by("-created_at", "-id").prefetch_related("participants")[
            :PAGE
        ]


class IncidentDetail(generics.RetrieveUpdateAPIView):
    """GET one incident; PATCH one of its fields (a bare single-row update)."""

    serializer_class = IncidentSerializer
    queryset = Incident.objects.all()


class IncidentCreate(generics.CreateAPIView):
    """A plain ModelSerializer create; the reference (not editable) is given by the view."""

    serializer_class = IncidentSerializer

    def perform_create(self, serializer):
        serializer.save(reference=f"FLOOR-{uuid.uuid4().hex[:16]}")
