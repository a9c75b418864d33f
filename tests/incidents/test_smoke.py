def test_walk(make_incident):
    incident = make_incident("reviewed")
    assert incident.status == "reviewed"
