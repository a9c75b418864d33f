"""The state diagram: generated from the transitions, committed, current and self-contained."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.utils import translation

from crisis_api.lifecycle import diagram
from crisis_api.lifecycle.machine import all_machines
from crisis_api.management.commands import state_diagram as command
from incidents.models import Status
from incidents.state import incident_machine


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def state_diagram_svg(transitions=None) -> str:
    return diagram.state_diagram_svg(incident_machine, transitions)


def transitions_from_model() -> list[tuple[str, str, str]]:
    return [(e.source, e.name, e.target) for e in incident_machine.edges]


SVG_NS = "http://www.w3.org/2000/svg"
NS = {"svg": SVG_NS}


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _transition_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{{{SVG_NS}}}g") if g.get("class") == "transition"]


def test_committed_svg_is_current():
    committed = command.diagram_path(incident_machine).read_text(encoding="utf-8")
    assert committed == state_diagram_svg(), (
        "incidents/static/incidents/incident-state-diagram.svg is out of date with the "
        "transitions of Incident: run `python manage.py state_diagram` and commit the result."
    )


def test_generation_is_deterministic():
    assert state_diagram_svg() == state_diagram_svg()


def test_transitions_come_from_the_model():
    edges = transitions_from_model()
    assert edges == sorted(set(edges), key=edges.index)  # no duplicates
    assert {name for _, name, _ in edges} == set(incident_machine.names)
    assert ("detected", "dismiss", "resolved") in edges
    assert ("assessed", "dismiss", "resolved") in edges
    assert ("resolved", "reopen", "responding") in edges


def test_every_transition_is_a_labelled_arrow():
    root = _parse(state_diagram_svg())
    groups = _transition_groups(root)
    for source, name, target in transitions_from_model():
        matching = [
            g for g in groups if g.get("data-source") == source and g.get("data-target") == target
        ]
        assert len(matching) == 1, f"no single arrow for {source} -> {target}"
        group = matching[0]
        path = group.find("svg:path", NS)
        assert path is not None and path.get("marker-end") == "url(#incident-fsm-arrow)"
        labels = " ".join(t.text or "" for t in group.findall("svg:text", NS))
        assert re.search(rf"\b{name}\b", labels), f"{name} not labelled on {source} -> {target}"


def test_every_state_is_a_highlightable_box():
    root = _parse(state_diagram_svg())
    for state in Status.values:
        group = root.find(f".//svg:g[@id='state-{state}']", NS)
        assert group is not None, f"no group with id state-{state}"
        assert group.get("class") == "state"
        assert group.get("data-state") == state
        assert group.find("svg:rect", NS) is not None
        assert group.find("svg:text", NS).text == Status(state).label
    xs = [int(root.find(f".//svg:g[@id='state-{s}']/svg:rect", NS).get("x")) for s in Status.values]
    assert xs == sorted(xs), "states are not left to right in the order of Status"


def test_svg_is_self_contained_xml():
    svg = state_diagram_svg()
    root = _parse(svg)
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert root.get("viewBox") and root.get("width") == "100%"
    assert root.find("svg:title", NS).text == "Incident state machine"
    assert re.findall(r"https?://[^\s\"'<>)]+", svg) == [SVG_NS]
    assert "<script" not in svg and "<image" not in svg and "<style" not in svg
    assert "href" not in svg and "@import" not in svg
    assert set(re.findall(r"url\(([^)]*)\)", svg)) == {"#incident-fsm-arrow"}


def _label_boxes(root: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """Rough extents of the transition labels (12px text, ~0.62em a character)."""
    boxes = []
    for group in _transition_groups(root):
        for text in group.findall("svg:text", NS):
            x, y, half = int(text.get("x")), int(text.get("y")), len(text.text) * 12 * 0.31
            boxes.append((text.text, x - half, y - 10, x + half, y + 3))
    return boxes


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_labels_overlap_neither_boxes_nor_each_other():
    # The model's transitions, plus a few a future change might add.
    extra = [
        ("responding", "escalate", "responding"),
        ("reviewed", "reopen", "responding"),
        ("responding", "withdraw", "resolved"),
        ("detected", "close", "reviewed"),
    ]
    for transitions in (transitions_from_model(), transitions_from_model() + extra):
        root = _parse(state_diagram_svg(transitions))
        rects = [
            tuple(int(r.get(k)) for k in ("x", "y", "width", "height"))
            for r in root.iterfind(".//svg:g[@class='state']/svg:rect", NS)
        ]
        rects = [(x, y, x + w, y + h) for x, y, w, h in rects]
        labels = _label_boxes(root)
        for i, (name, *box) in enumerate(labels):
            assert not any(_overlap(box, r) for r in rects), f"label {name} overlaps a state"
            for other, *other_box in labels[i + 1 :]:
                assert not _overlap(box, other_box), f"labels {name} and {other} overlap"


def test_a_new_transition_appears_without_layout_changes():
    svg = state_diagram_svg([*transitions_from_model(), ("responding", "restart", "detected")])
    group = [
        g
        for g in _transition_groups(_parse(svg))
        if (g.get("data-source"), g.get("data-target")) == ("responding", "detected")
    ]
    assert [t.text for t in group[0].findall("svg:text", NS)] == ["restart"]


def test_command_writes_the_files_or_prints_them(tmp_path, monkeypatch):
    machines = all_machines()
    assert incident_machine.model in [machine.model for machine in machines]
    out = io.StringIO()
    call_command("state_diagram", "--stdout", stdout=out)
    assert out.getvalue() == "".join(command.committed_svg(machine) for machine in machines)

    def target(machine):
        return tmp_path / "static" / f"{machine.model._meta.model_name}.svg"

    monkeypatch.setattr(command, "diagram_path", target)
    call_command("state_diagram", stdout=io.StringIO())
    for machine in machines:
        assert target(machine).read_bytes() == command.committed_svg(machine).encode()


@pytest.mark.parametrize("machine", all_machines(), ids=lambda machine: machine.model.__name__)
def test_every_committed_diagram_is_current(machine):
    assert command.diagram_path(machine).read_text(encoding="utf-8") == command.committed_svg(
        machine
    ), "Run `python manage.py state_diagram` and commit the result."
