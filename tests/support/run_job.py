#!/usr/bin/env python3
"""Runs the steps of a generated job on this machine, the way the job's pod would.

Usage: run_job.py TASK.yaml WORKSPACE PARAMS.json
       run_job.py WORKFLOWTEMPLATE.yaml WORKSPACE PARAMS.json TEMPLATE

A Tekton Task's steps, or the containers of an Argo template's container set (in order;
`{{workflow.parameters.x}}` and `{{inputs.parameters.x}}` from PARAMS.json, and args
expanded as Kubernetes does).

Each step's script runs under `sh -c` in WORKSPACE/source, one after another, with the
step's environment: `$(params.x)` from PARAMS.json (an object), secret and ConfigMap keys
from PARAMS.json's "secrets" and "vars" objects, Kubernetes' `$(VAR)` references to earlier
variables expanded, `$(results.r.path)` as WORKSPACE/results/r, and the absolute path
`/workspace` moved to WORKSPACE. Like Tekton, a failing step stops the task. Prints a JSON
report: each step's name, exit code and output, and the task's results.

It checks the launcher protocol (conditions, outcomes, the status file, outputs), not
Tekton itself: images are ignored, the machine's sh runs every script.
"""

import json
import os
import re
import subprocess
import sys

import yaml


def substitute(text, params, workspace):
    text = text.replace("/workspace", workspace)
    text = re.sub(r"\$\(params\.([a-z0-9-]+)\)", lambda m: params[m.group(1)], text)
    text = re.sub(
        r"\{\{(?:workflow|inputs)\.parameters\.([a-z0-9-]+)\}\}", lambda m: params[m.group(1)], text
    )
    text = re.sub(
        r"\$\(results\.([a-z0-9-]+)\.path\)",
        lambda m: os.path.join(workspace, "results", m.group(1)),
        text,
    )
    return text


def kubernetes_expand(text, env):
    """What Kubernetes makes of env values and container args: `$(NAME)` is the variable
    (left as it is when undefined), `$$` is `$`."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("$(", i) and (m := re.match(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", text[i:])):
            out.append(env.get(m.group(1), m.group(0)))
            i += len(m.group(0))
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def environment(step, params, workspace):
    env = {"PATH": os.environ["PATH"], "HOME": os.path.join(workspace, "home")}
    for var in step.get("env", []):
        if "value" in var:
            value = kubernetes_expand(substitute(var["value"], params, workspace), env)
        else:
            source = var["valueFrom"]
            if "secretKeyRef" in source:
                value = params["secrets"][source["secretKeyRef"]["key"]]
            else:
                value = params["vars"][source["configMapKeyRef"]["key"]]
        env[var["name"]] = value
    return env


def steps_and_results(document, template_name):
    """The containers to run, each with its script, and where the results are read."""
    if document["kind"] == "Task":
        steps = [(step, step["script"]) for step in document["spec"]["steps"]]
        results = [(r["name"], os.path.join("results", r["name"])) for r in document["spec"].get("results", [])]
        return steps, results
    template = next(t for t in document["spec"]["templates"] if t["name"] == template_name)
    steps = [(c, c["args"][0]) for c in template["containerSet"]["containers"]]  # expanded per container below
    results = [
        (p["name"], p["valueFrom"]["path"].replace("/workspace/", "", 1))
        for p in template.get("outputs", {}).get("parameters", [])
    ]
    return steps, results


def main(task_path, workspace, params_path, template_name=None):
    document = yaml.safe_load(open(task_path))
    params = json.load(open(params_path))
    steps, results = steps_and_results(document, template_name)
    os.makedirs(os.path.join(workspace, "source"), exist_ok=True)
    os.makedirs(os.path.join(workspace, "results"), exist_ok=True)
    os.makedirs(os.path.join(workspace, "home"), exist_ok=True)
    report = {"steps": [], "results": {}}
    for step, script in steps:
        script = substitute(script, params, workspace)
        env = environment(step, params, workspace)
        if document["kind"] != "Task":
            script = kubernetes_expand(script, env)
        run = subprocess.run(
            ["sh", "-c", script],
            cwd=os.path.join(workspace, "source"),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        report["steps"].append(
            {"name": step["name"], "exit": run.returncode, "output": run.stdout + run.stderr}
        )
        if run.returncode != 0:
            break
    for name, relative in results:
        path = os.path.join(workspace, relative)
        if os.path.exists(path):
            report["results"][name] = open(path).read()
    json.dump(report, sys.stdout, indent=2)


if __name__ == "__main__":
    main(*sys.argv[1:])
