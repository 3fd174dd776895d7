"""What the stream-product benchmarks share: running `tinyforge ... --json` and the examples'
generators, and the device figures of a trained product on a board."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tool_json(tool, *args):
    """Runs `tinyforge ARGS --json` (progress to this stderr) and returns its JSON result."""
    done = subprocess.run([str(tool), *map(str, args), "--json"], stdout=subprocess.PIPE, text=True)
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines else {"error": "no output"}
    if done.returncode != 0 or "error" in result:
        sys.exit(f"tinyforge {' '.join(map(str, args))}: {result.get('error', done.returncode)}")
    return result


def generate(script, out, *args):
    """examples/<script> into `out` unless it is there already (the generators are seeded)."""
    if Path(out).exists():
        return
    subprocess.run(["/usr/bin/python3", str(ROOT / "examples" / script), "--out", str(out),
                    *map(str, args)], check=True)


def train_and_convert(tool, project, data, run):
    """`train PROJECT --data DATA --out RUN` and `convert --int8` of its model: both results and
    the int8 model's path."""
    trained = tool_json(tool, "train", project, "--data", data, "--out", run, "--overwrite")
    int8 = Path(run) / "model_int8.tflite"
    converted = tool_json(tool, "convert", Path(run) / "model.tfm", "--int8", "-o", int8)
    return trained, converted, int8


def device_figures(tool, model, features, app, board, stream_input, work):
    """Flash, RAM and per-inference instructions on `board`, and the stream's real-time figures."""
    deployed = tool_json(tool, "deploy", model, "--board", board, "--app", app, "--features",
                         features, "-o", Path(work) / f"deploy-{board}")
    streamed = tool_json(tool, "stream", model, "--app", app, "--features", features, "-i",
                         stream_input, "--board", board)
    return {
        "flash_bytes": deployed["flash_code_bytes"] + deployed["flash_model_bytes"],
        "flash_model_bytes": deployed["flash_model_bytes"],
        "ram_bytes": deployed["ram_arena_bytes"] + deployed["ram_static_bytes"]
        + deployed["ram_stack_bytes"],
        "arena_bytes": deployed["ram_arena_bytes"],
        "worst_window_instructions": streamed["worst_window_instructions"],
        "instructions_per_second": streamed["instructions_per_second"],
        "clock_mhz": streamed["clock_mhz"],
        "headroom_pct": streamed["headroom_pct"],
        "events": streamed["events"],
        "stride": streamed["settings"]["stride"],
    }
