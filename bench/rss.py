"""Runs a command and prints its standard output, adding `peak_rss_mb` (the command's peak
resident set size, from getrusage of the child) to every JSON object line.
Usage: python3 rss.py COMMAND [ARGS...]"""
import json
import resource
import subprocess
import sys

completed = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, text=True)
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0  # KB on Linux
for line in completed.stdout.splitlines():
    try:
        record = json.loads(line)
    except ValueError:
        print(line)
        continue
    if isinstance(record, dict):
        record["peak_rss_mb_process"] = round(peak_mb, 1)
        line = json.dumps(record)
    print(line)
sys.exit(completed.returncode)
