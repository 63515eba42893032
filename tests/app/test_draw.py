"""letters draw's server through Starlette's test client: good drawings, every kind of bad
request, the token, Origin and Host checks, concurrent requests, --collect, and the CLI
(help without the server, a busy port, another host, Ctrl-C)."""

import base64
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
from PIL import Image

from letters.alphabet import ROLES
from letters.app.drawpad import Pad, png_bytes, render
from letters.app.drawserver import DrawServer, create_app
from letters.config import AnalysisConfig, DrawConfig
from letters.inputs.preprocess import preprocess
from letters.inputs.tensors import image_tensor
from letters.network.checkpoint import load_model
from letters.network.predict import classify, load_input

starlette_testclient = pytest.importorskip("starlette.testclient")

TOKEN = "test-token"
BASE = "http://127.0.0.1:8765"
HEADERS = {"X-Letters-Token": TOKEN}
A = [{"points": [[0.2, 0.85], [0.5, 0.15], [0.8, 0.85]], "width": 0.04},
     {"points": [[0.33, 0.6], [0.67, 0.6]], "width": 0.04}]
B = [{"points": [[0.3, 0.15], [0.3, 0.85]], "width": 0.04},
     {"points": [[0.3, 0.15], [0.55, 0.15], [0.68, 0.25], [0.68, 0.37], [0.55, 0.47], [0.3, 0.47]], "width": 0.04},
     {"points": [[0.3, 0.47], [0.6, 0.47], [0.74, 0.58], [0.74, 0.74], [0.6, 0.85], [0.3, 0.85]], "width": 0.04}]
C = [{"points": [[0.75, 0.25], [0.6, 0.15], [0.4, 0.15], [0.27, 0.3], [0.25, 0.5], [0.27, 0.7], [0.4, 0.85],
                 [0.6, 0.85], [0.75, 0.75]], "width": 0.04}]


@pytest.fixture(scope="module")
def pad(tiny_model):
    return Pad.load(tiny_model, DrawConfig(probes=4))


def make_client(pad, collect=None, **kw):
    app = create_app(pad, TOKEN, collect, ["127.0.0.1", "localhost"], **kw)
    return starlette_testclient.TestClient(app, base_url=BASE)


@pytest.fixture(scope="module")
def client(pad):
    with make_client(pad) as c:
        yield c


def decode_png(url: str) -> Image.Image:
    assert url.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))


def post(client, path, body, headers=HEADERS, **kw):
    return client.post(path, json=body, headers=headers, **kw)


def test_update_shows_what_classify_sees_and_says(client, tiny_model, tmp_path):
    model, checkpoint = load_model(tiny_model)
    for strokes in (A, B, C):
        r = post(client, "/api/update", {"strokes": strokes})
        assert r.status_code == 200, r.text
        update = r.json()
        assert not update["blank"] and update["strokes"] == len(strokes)
        assert set(update["probabilities"]) == {"A", "B", "C"}
        assert abs(sum(update["probabilities"].values()) - 1) < 1e-3
        assert [r["role"] for r in update["roles"]] == list(ROLES)
        assert all(0 <= r["level"] <= 1 for r in update["roles"])
        votes = [u["vote"] for u in update["units"]]
        assert votes == sorted(votes, reverse=True) and all(v > 0 for v in votes)
        # a push is a rise over the blank page times a weight: a unit may push by going quiet (activation 0)
        assert all(u["id"].startswith("L1.") and u["activation"] >= 0 for u in update["units"])
        # the saved PNG, read back by classify, gives the same 28x28 input and the same answer
        png = post(client, "/api/png", {"strokes": strokes})
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        path = tmp_path / "drawing.png"
        path.write_bytes(png.content)
        loaded = load_input(path)
        seen = decode_png(update["input_png"]).convert("L")
        assert bytes(255 - v for v in seen.tobytes()) == bytes(loaded.image.flatten().tolist())
        record = classify(model, checkpoint["classes"], [loaded])[0]
        assert record.prediction == update["prediction"]
        assert record.probabilities == pytest.approx(update["probabilities"], abs=1e-4)


def test_update_matches_the_model_run_by_hand(pad, tiny_model, client):
    model, checkpoint = load_model(tiny_model)
    from letters.app.drawpad import parse_strokes

    seen, _ = preprocess(render(parse_strokes(B, pad.config), pad.config.render))
    x = image_tensor(seen).flatten().float()[None] / 255
    with torch.no_grad():
        hidden = model.hidden_activations(x)[-1][0]
        probs = torch.softmax(model(x), 1)[0]
    update = post(client, "/api/update", {"strokes": B}).json()
    top = int(probs.argmax())
    assert update["prediction"] == checkpoint["classes"][top]
    for c, p in zip(checkpoint["classes"], probs):
        assert update["probabilities"][c] == pytest.approx(float(p), abs=1e-4)
    out_w = model.output.weight.detach()
    rise = hidden - torch.relu(model.hidden[0].bias.detach())  # over the blank page, whose activation is ReLU(bias)
    best = int((rise * out_w[top]).argmax())
    first = update["units"][0]
    assert first["id"] == f"L1.{best}"
    assert first["activation"] == pytest.approx(float(hidden[best]), abs=1e-3)
    assert first["bias"] == pytest.approx(float(model.hidden[0].bias.detach()[best]), abs=1e-3)
    assert first["vote"] == pytest.approx(float(rise[best] * out_w[top, best]), abs=1e-3)  # its push on the answer


def test_blank_and_empty_drawings(client):
    empty = post(client, "/api/update", {"strokes": []}).json()
    assert empty["blank"] and empty["prediction"] is None and empty["units"] == []
    dot = post(client, "/api/update", {"strokes": [{"points": [[0.5, 0.5]], "width": 0.05}]}).json()
    assert not dot["blank"] and dot["prediction"] in "ABC"


def test_units_catalogue_weights_bias_and_blank_page(pad, tiny_model, client):
    model, _ = load_model(tiny_model)
    catalogue = client.get("/api/units", headers=HEADERS).json()
    assert catalogue["classes"] == ["A", "B", "C"] and [r["role"] for r in catalogue["roles"]] == list(ROLES)
    assert len(catalogue["units"]) == model.dims.hidden[0]
    w, b = model.hidden[0].weight.detach(), model.hidden[0].bias.detach()
    for u in catalogue["units"]:
        i = u["index"]
        assert u["bias"] == pytest.approx(float(b[i]), abs=1e-3)
        assert u["baseline"] == pytest.approx(max(0.0, float(b[i])), abs=1e-3)  # first layer on a blank page: ReLU(bias)
        assert u["fires_alone"] == (u["baseline"] >= AnalysisConfig.fire_floor)  # as letters analyze says
        assert u["votes"]["C"] == pytest.approx(float(model.output.weight.detach()[2, i]), abs=1e-3)
        tile = decode_png(u["weights_png"]).convert("RGB")
        assert tile.size == (28, 28)
        k = int(w[i].abs().argmax())
        red, green, blue = tile.getpixel((k % 28, k // 28))
        assert (red, green, blue) == ((255, 0, 0) if w[i, k] > 0 else (0, 0, 255))  # the largest weight is full colour


def test_roles_light_by_the_analysis_response(tiny_model):
    from dataclasses import replace

    from letters.app.drawpad import parse_strokes
    from letters.inputs.tensors import as_input
    from letters.study.analysis import analyze_model
    from letters.study.units import ink_reference, response

    model, checkpoint = load_model(tiny_model)
    report, probes = analyze_model(model, AnalysisConfig(probes=2), example=False)
    seen, _ = preprocess(render(parse_strokes(C, DrawConfig()), DrawConfig.render))
    x = as_input(image_tensor(seen))
    with torch.no_grad():
        acts = model.hidden_activations(x)[0]
    rise = response(acts, torch.relu(model.hidden[0].bias.detach()), x, ink_reference(probes))  # the one definition
    one, two = rise.argsort(descending=True)[:2].tolist()
    assert float(rise[two]) > 0
    # hand-made: two C.top_curve detectors; this C moves the first half as much as the stroke alone does, the
    # second twice as much (counted as 1): the role is lit (0.5 + 1) / 2
    units = [replace(u, category="weak", stroke=None, fires_on=[]) for u in report.units]
    for u, factor in ((one, 2.0), (two, 0.5)):
        units[u] = replace(units[u], category="detector", stroke="C.top_curve", fires_on=["C.top_curve"],
                           response={**units[u].response, "C.top_curve": factor * float(rise[u])})
    pad = Pad(model, checkpoint["classes"], units, probes)
    kinds = {r.role: (r.kind, sorted(r.detectors)) for r in pad.catalogue.roles}
    assert kinds["C.top_curve"] == ("detector", sorted([f"L1.{one}", f"L1.{two}"])) and kinds["A.crossbar"][0] == "none"
    update = pad.update(parse_strokes(C, pad.config))
    lights = {r.role: r.level for r in update.roles}
    assert lights["C.top_curve"] == pytest.approx(0.75, abs=0.01)
    assert all(level == 0 for role, level in lights.items() if role != "C.top_curve")
    shown = {u.id: u.response for u in update.units}
    assert all(shown[name] == pytest.approx(float(rise[int(name[3:])]), abs=1e-3) for name in shown)


def test_the_pad_is_unsure_exactly_when_classify_is_and_names_each_stroke(classifier, tmp_path):
    from letters.app.drawpad import parse_strokes
    from letters.network.novelty import load_novelty

    pad = Pad.load(classifier, DrawConfig(probes=4))
    model, checkpoint = load_model(classifier)
    bar = [{"points": [[0.5, 0.1], [0.5, 0.9]], "width": 0.04}]
    for k, strokes in enumerate((A, B, C, bar)):
        update = pad.update(parse_strokes(strokes, pad.config))
        path = tmp_path / f"{k}.png"
        path.write_bytes(png_bytes(render(parse_strokes(strokes, pad.config), pad.config.render)))
        record = classify(model, checkpoint["classes"], [load_input(path)], novelty=load_novelty(checkpoint))[0]
        assert (update.unsure, update.reasons, update.prediction) == (record.unsure, record.reasons, record.prediction)
        assert len(update.stroke_roles) == len(strokes)
        assert all(role.startswith(update.prediction + ".") for role in update.stroke_roles)
    named = pad.update(parse_strokes(B, pad.config))
    if named.prediction == "B":  # the classifier reads this plain B as a B: its strokes by their roles
        assert named.stroke_roles == ["B.spine", "B.upper_bowl", "B.lower_bowl"]


NAN_BODY = b'{"strokes": [{"points": [[NaN, 0.5]], "width": 0.04}]}'
BAD_BODIES = {
    "not json": (b"{", 400, "not valid JSON"),
    "NaN": (NAN_BODY, 400, "finite"),
    "Infinity": (NAN_BODY.replace(b"NaN", b"Infinity"), 400, "finite"),
    "-Infinity": (NAN_BODY.replace(b"NaN", b"-Infinity"), 400, "finite"),
    "huge number": (NAN_BODY.replace(b"NaN", b"1e999"), 400, "finite"),
    "string number": (NAN_BODY.replace(b"NaN", b'"0.5"'), 400, "not a number"),
    "bool number": (NAN_BODY.replace(b"NaN", b"true"), 400, "not a number"),
    "outside canvas": (NAN_BODY.replace(b"NaN", b"1.5"), 400, "0..1"),
    "negative": (NAN_BODY.replace(b"NaN", b"-0.1"), 400, "0..1"),
    "point of three": (NAN_BODY.replace(b"NaN", b"0.1, 0.2"), 400, "[x, y]"),
    "no points": (b'{"strokes": [{"points": [], "width": 0.04}]}', 400, "non-empty"),
    "width too big": (b'{"strokes": [{"points": [[0.1, 0.1]], "width": 5}]}', 400, "width"),
    "width NaN": (b'{"strokes": [{"points": [[0.1, 0.1]], "width": NaN}]}', 400, "finite"),
    "extra key": (b'{"strokes": [], "colour": "red"}', 400, "exactly"),
    "stroke extra key": (b'{"strokes": [{"points": [[0.1, 0.1]], "width": 0.04, "x": 1}]}', 400, "exactly"),
    "not an object": (b"[1, 2]", 400, "exactly"),
    "strokes not list": (b'{"strokes": {}}', 400, "list"),
    "too many strokes": (json.dumps({"strokes": [{"points": [[0.1, 0.1]], "width": 0.04}] * 101}).encode(), 400, "limit"),
    "too many points": (json.dumps({"strokes": [{"points": [[0.1, 0.1]] * 20001, "width": 0.04}]}).encode(), 400, "limit"),
    "deep nesting": (b'{"strokes": ' + b"[" * 200_000 + b"]" * 200_000 + b"}", 400, "JSON"),
    "body too big": (b'{"strokes": [' + b" " * (1 << 20) + b"]}", 413, "limit"),
    "not utf-8": (b'{"strokes": "\xff\xfe"}', 400, "JSON"),
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_bad_requests_get_a_4xx_and_one_line(client, name):
    body, status, words = BAD_BODIES[name]
    r = client.post("/api/update", content=body, headers={**HEADERS, "Content-Type": "application/json"})
    assert r.status_code == status, (name, r.text)
    reason = r.json()["error"]
    assert words in reason and "\n" not in reason and "Traceback" not in reason
    assert post(client, "/api/update", {"strokes": A}).status_code == 200  # still serving


def test_body_caps_without_content_length_and_wrong_types(client):
    def chunks():  # a chunked body, no Content-Length: counted as it arrives
        yield b'{"strokes": ['
        for _ in range(200):
            yield b" " * 8192
        yield b"]}"

    r = client.post("/api/update", content=chunks(), headers={**HEADERS, "Content-Type": "application/json"})
    assert r.status_code == 413 and "limit" in r.json()["error"]
    r = client.post("/api/update", content=b'{"strokes": []}', headers={**HEADERS, "Content-Type": "text/plain"})
    assert r.status_code == 415
    r = client.post("/api/update", content=b"{}", headers={**HEADERS, "Content-Type": "application/json",
                                                             "Content-Length": "99999999"})
    assert r.status_code == 413
    assert client.get("/api/update", headers=HEADERS).status_code == 405
    assert client.get("/api/nothing", headers=HEADERS).status_code == 404
    assert post(client, "/api/update", {"strokes": A}).status_code == 200


@pytest.mark.parametrize("method,path,body", [("GET", "/api/units", None), ("POST", "/api/update", {"strokes": A}),
                                              ("POST", "/api/png", {"strokes": A}),
                                              ("POST", "/api/collect", {"letter": "A", "strokes": A})])
def test_token_origin_and_host_are_checked_on_every_api_route(pad, tmp_path, method, path, body):
    collect = tmp_path / "collected"
    with make_client(pad, collect) as c:
        def call(headers):
            return c.request(method, path, json=body, headers=headers)

        assert call(HEADERS).status_code == 200
        for headers in ({}, {"X-Letters-Token": ""}, {"X-Letters-Token": TOKEN + "x"}, {"X-Letters-Token": TOKEN[:-1]}):
            r = call(headers)
            assert r.status_code == 403 and "token" in r.json()["error"]
        for origin in ("http://evil.example", "http://127.0.0.1:8766", "https://127.0.0.1:8765", "null"):
            r = call({**HEADERS, "Origin": origin})
            assert r.status_code == 403 and "another site" in r.json()["error"]
        assert call({**HEADERS, "Origin": BASE}).status_code == 200
        assert call({**HEADERS, "Sec-Fetch-Site": "cross-site"}).status_code == 403
        assert call({**HEADERS, "Host": "attacker.example:8765"}).status_code == 400  # DNS rebinding
    files = list(collect.rglob("*")) if collect.exists() else []
    assert len([f for f in files if f.is_file()]) == (2 if path == "/api/collect" else 0)  # one per accepted call


def test_page_carries_the_token_and_no_outside_assets(client):
    r = client.get("/")
    assert r.status_code == 200 and TOKEN in r.text
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert "http://" not in r.text and "https://" not in r.text  # nothing fetched from the internet
    assert client.get("/", headers={"Host": "rebound.example"}).status_code == 400


def test_concurrent_requests_each_get_their_own_answer(client):
    expected = {name: post(client, "/api/update", {"strokes": s}).json() for name, s in (("A", A), ("B", B), ("C", C))}
    jobs = [("A", A), ("B", B), ("C", C)] * 8 + [("bad", None)] * 6
    barrier = threading.Barrier(len(jobs))

    def run(job):
        name, strokes = job
        barrier.wait()
        if strokes is None:
            return name, client.post("/api/update", content=NAN_BODY, headers={**HEADERS, "Content-Type": "application/json"})
        return name, post(client, "/api/update", {"strokes": strokes})

    with ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(run, jobs))
    for name, r in results:
        if name == "bad":
            assert r.status_code == 400
        else:
            assert r.status_code == 200 and r.json() == expected[name]


def test_collect_files_unique_pngs_under_the_folder_only(pad, tmp_path):
    root = tmp_path / "mine"
    with make_client(pad) as c:
        r = post(c, "/api/collect", {"letter": "A", "strokes": A})
        assert r.status_code == 404 and "collecting is off" in r.json()["error"]
    with make_client(pad, root) as c:
        names = {post(c, "/api/collect", {"letter": "B", "strokes": B}).json()["saved"] for _ in range(3)}
        assert len(names) == 3 and all(n.startswith("B/B-") and n.endswith(".png") for n in names)
        for letter in ("../A", "a", "D", "", None, 1, "A/../../x"):
            r = post(c, "/api/collect", {"letter": letter, "strokes": A})
            assert r.status_code == 400 and "one of" in r.json()["error"]
        assert post(c, "/api/collect", {"letter": "C", "strokes": []}).status_code == 400
        assert post(c, "/api/collect", {"letter": "C", "strokes": A, "path": "/tmp/x"}).status_code == 400
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert files == sorted(names)  # nothing else, no temporary files, nothing outside
    assert sorted(os.listdir(tmp_path)) == ["mine"]
    loaded = load_input(root / sorted(names)[0])
    assert loaded.error is None  # ready for letters evaluate / letters train --data


def test_help_imports_neither_the_server_nor_torch():
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom letters.app.cli import app\n"
            "for args in (['--help'], ['draw', '--help']):\n"
            "    r = CliRunner().invoke(app, args)\n"
            "    assert r.exit_code == 0, args\n"
            "assert '--collect' in r.output and '--no-browser' in r.output\n"
            "bad = [m for m in ('torch', 'torchvision', 'starlette', 'uvicorn', 'letters.drawserver', 'letters.drawpad')"
            " if m in sys.modules]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_busy_port_and_bad_options_are_one_line(runner, tiny_model, tmp_path):
    from letters.app.cli import app

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        r = runner.invoke(app, ["draw", "--model", str(tiny_model), "--port", str(port), "--no-browser"])
        assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "in use" in r.stderr, r.output
    r = runner.invoke(app, ["draw", "--port", "70000", "--no-browser"])
    assert r.exit_code == 1 and "--port" in r.stderr and r.stderr.count("\n") == 1
    r = runner.invoke(app, ["draw", "--probes", "0", "--port", "0", "--no-browser"])
    assert r.exit_code == 1 and "--probes" in r.stderr and r.stderr.count("\n") == 1
    a_file = tmp_path / "f"
    a_file.write_text("x")
    r = runner.invoke(app, ["draw", "--collect", str(a_file), "--port", "0", "--no-browser"])
    assert r.exit_code == 1 and "is a file" in r.stderr and r.stderr.count("\n") == 1
    r = runner.invoke(app, ["draw", "--model", str(tmp_path / "missing.pt"), "--port", "0", "--no-browser"])
    assert r.exit_code == 1 and "does not exist" in r.stderr


def test_other_hosts_warn_and_the_default_does_not():
    local = DrawServer(DrawConfig(port=0))
    wide = DrawServer(DrawConfig(host="0.0.0.0", port=0))
    try:
        assert local.warning is None and local.url.startswith("http://127.0.0.1:")
        from letters.errors import flag_name, worded

        warning = worded(wide.warning, flag_name)
        assert "0.0.0.0" in warning and "--allow-host" in warning and "web site" in warning
        assert wide.url.startswith("http://127.0.0.1:")
    finally:
        local.close()
        wide.close()


def test_serves_over_http_and_stops_cleanly_on_ctrl_c(tiny_model, tmp_path):
    import urllib.request

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "letters", "draw", "--model", str(tiny_model), "--port", "0",
                             "--no-browser", "--collect", str(tmp_path / "c"), "--probes", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert "serving http://127.0.0.1:" in line, (line, proc.stderr.read() if proc.poll() is not None else "")
        url = line.split("serving ")[1].split()[0]
        page = urllib.request.urlopen(url, timeout=30).read().decode()
        token = page.split('name="letters-token" content="')[1].split('"')[0]
        request = urllib.request.Request(url + "api/update", data=json.dumps({"strokes": A}).encode(), method="POST",
                                         headers={"Content-Type": "application/json", "X-Letters-Token": token})
        assert json.loads(urllib.request.urlopen(request, timeout=30).read())["prediction"] in "ABC"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err
