"""The exported TypeScript, run by Node with stand-ins for METIS, against a real bridge."""

from __future__ import annotations

from metis_helpers import BridgeEnv, Event, Harness, of, run, setup, steps, teardown


async def test_outputs_arrive_in_order(bridge_env: BridgeEnv, harness: Harness) -> None:
    """A target's outputs reach sendOutput in the order Python sent them, to the right force."""
    events = await harness(
        bridge_env.folder,
        steps(setup(), run("echo", args={"count": 5, "word": "tock", "loud": True}), teardown()),
    )
    assert [e["ok"] for e in of(events, "step")] == [True, True, True]
    outputs = [(e["message"], e["to"]) for e in of(events, "output")]
    assert outputs == [
        ("config=local key-resolved=True", ["Global"]),
        *[(f"tock {i}", ["Global"]) for i in range(1, 6)],
        ("mode=None loud=True run=1", ["Red Team"]),
    ]


async def test_failure_arrives_as_error(bridge_env: BridgeEnv, harness: Harness) -> None:
    """A Python exception fails the METIS script with its type and message; outputs before it
    still arrive, and the session goes on."""
    events = await harness(bridge_env.folder, steps(setup(), run("fail"), run("echo"), teardown()))
    step = of(events, "step", target="fail")[0]
    assert step["ok"] is False
    assert step["error"] == "ValueError: boom from Python"
    assert step["pythonType"] == "ValueError"
    assert of(events, "output", target="fail")[0]["message"] == "about to fail"
    assert of(events, "step", target="echo")[0]["ok"] is True


async def test_setup_and_teardown_once_per_session_and_realm(
    bridge_env: BridgeEnv, harness: Harness
) -> None:
    """Hooks run once per (session, realm); each realm has its own store; nothing is left."""
    events = await harness(
        bridge_env.folder,
        steps(
            setup("s1", "r1"),
            setup("s1", "r2"),
            run("echo", "s1", "r1", args={"count": 1}),
            run("echo", "s1", "r1", args={"count": 1}),
            run("echo", "s1", "r2", args={"count": 1}),
            teardown("s1", "r1"),
            teardown("s1", "r2"),
        ),
    )
    assert all(e["ok"] for e in of(events, "step")), of(events, "step")
    assert bridge_env.events() == [
        "setup s1",
        "setup s1",
        "teardown s1 runs=2",
        "teardown s1 runs=1",
    ]
    assert [e["message"] for e in of(events, "console")] == [
        "[bridge-test] set up s1",
        "[bridge-test] set up s1",
    ]
    assert bridge_env.server.hosts == {}


async def test_two_sessions_at_once_stay_apart(bridge_env: BridgeEnv, harness: Harness) -> None:
    """Two sessions running at the same time each get their own outputs, in order."""
    both = {
        "do": "parallel",
        "steps": [
            run("echo", "A", args={"count": 8, "word": "alpha"}),
            run("echo", "B", args={"count": 8, "word": "bravo"}),
        ],
    }
    events = await harness(
        bridge_env.folder,
        steps(setup("A"), setup("B"), both, teardown("A"), teardown("B")),
    )
    assert all(e["ok"] for e in of(events, "step")), of(events, "step")
    for session, word in (("A", "alpha"), ("B", "bravo")):
        messages = [e["message"] for e in of(events, "output", session=session)]
        assert messages[1:-1] == [f"{word} {i}" for i in range(1, 9)]
        assert messages[-1] == "mode=None loud=False run=1"
    assert sorted(bridge_env.events()) == [
        "setup A",
        "setup B",
        "teardown A runs=1",
        "teardown B runs=1",
    ]


async def test_mission_calls_go_to_metis(bridge_env: BridgeEnv, harness: Harness) -> None:
    """A Python mission change runs METIS's context method; METIS's error comes back to Python."""
    events = await harness(bridge_env.folder, steps(setup(), run("mission"), teardown()))
    assert of(events, "step", target="mission")[0]["ok"] is True
    assert [(e["method"], e["ids"]) for e in of(events, "mission-call")] == [
        ("blockNodes", ["node-1"])
    ]
    assert [e["message"] for e in of(events, "output")] == [
        "blocked node-1",
        'refused: MissionCallError: Error: Could not find node with ID "nowhere" in the '
        'mission with ID "mission-1".',
    ]


async def test_the_context_reflects_metis(bridge_env: BridgeEnv, harness: Harness) -> None:
    """Trigger type, triggeredBy, effect, session and mission reach the Python context."""
    who = run(
        "whoami",
        triggerType="executionTriggeredEffect",
        triggeredBy={"_id": "u1", "username": "student1", "name": "Student One"},
    )
    events = await harness(bridge_env.folder, steps(setup(), who, teardown()))
    assert [e["message"] for e in of(events, "output")] == [
        "type=executionTriggeredEffect by=student1 effect=effect-whoami (Effect on whoami) "
        "session=Session s1 "
        "mission=Harness Mission forces=Red Team,Blue Team"
    ]


async def test_teardown_cancels_a_running_target(bridge_env: BridgeEnv, harness: Harness) -> None:
    """A script still sleeping at METIS's teardown is cancelled, and its run fails cleanly."""
    later = {"do": "sequence", "steps": [{"do": "pause"}, teardown()]}
    both = {"do": "parallel", "steps": [run("sleepy"), later]}
    seen: set[str] = set()

    async def teardown_once_sleeping(event: Event) -> str | None:
        if event["event"] == "paused" or event.get("message") == "sleeping":
            seen.add(event["event"])
            return "go" if seen == {"paused", "output"} else None
        return None

    events = await harness(bridge_env.folder, steps(setup(), both), teardown_once_sleeping)
    sleepy = of(events, "step", target="sleepy")[0]
    assert sleepy["ok"] is False
    assert sleepy["pythonType"] == "TargetCancelledError"
    assert of(events, "step", do="teardown")[0]["ok"] is True
    assert "woke up" not in [e["message"] for e in of(events, "output")]
    assert bridge_env.events() == ["setup s1", "teardown s1 runs=0"]
