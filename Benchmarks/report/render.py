#!/usr/bin/env python3
"""First-screen render time of a page in headless Chromium, over the DevTools protocol.

    render.py file:///path/page.html [runs]

Starts one headless Chromium (--remote-debugging-port, a throw-away profile), and per run opens
a fresh tab, sends Page.navigate, waits for Page.loadEventFired, then asks the page for its own
timing entries, all relative to the navigation start on the browser's clock:
  fcp  first-contentful-paint (Paint Timing)
  lcp  the last largest-contentful-paint entry (the first screen's largest element painted)
  dcl  domContentLoadedEventEnd, load = loadEventEnd (Navigation Timing)
and the script's own wall time from the navigate command to the load event (`wall`).
Prints the medians over the runs as `fcp_ms=.. lcp_ms=.. dcl_ms=.. load_ms=.. wall_ms=..`.
Needs `websockets` (pip install websockets).
"""
import asyncio, json, os, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

import websockets

TIMING = """new Promise(resolve => {
  // Read after a pause: the load event can come before the first paint.
  const done = lcp => {
    const paint = {};
    for (const e of performance.getEntriesByType('paint')) paint[e.name] = e.startTime;
    const nav = performance.getEntriesByType('navigation')[0];
    resolve(JSON.stringify({fcp: paint['first-contentful-paint'], lcp,
        dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd}));
  };
  let last = null;
  new PerformanceObserver(l => { for (const e of l.getEntries()) last = e.startTime; })
    .observe({type: 'largest-contentful-paint', buffered: true});
  setTimeout(() => done(last), 500);
})"""


async def call(ws, counter, method, params=None):
    counter[0] += 1
    my = counter[0]
    await ws.send(json.dumps({"id": my, "method": method, "params": params or {}}))
    while True:
        msg = json.loads(await ws.recv())
        if msg.get("id") == my:
            if "error" in msg:
                raise RuntimeError(f"{method}: {msg['error']}")
            return msg.get("result", {})


async def one(port, url):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT")
    target = json.loads(urllib.request.urlopen(req).read())
    counter = [0]
    try:
        async with websockets.connect(target["webSocketDebuggerUrl"], max_size=None) as ws:
            await call(ws, counter, "Page.enable")
            await call(ws, counter, "Network.enable")
            await call(ws, counter, "Network.setCacheDisabled", {"cacheDisabled": True})
            start = time.perf_counter()
            await call(ws, counter, "Page.navigate", {"url": url})
            while True:
                msg = json.loads(await ws.recv())
                if msg.get("method") == "Page.loadEventFired":
                    break
            wall = (time.perf_counter() - start) * 1000
            counter[0] += 1
            await ws.send(json.dumps({"id": counter[0], "method": "Runtime.evaluate",
                                      "params": {"expression": TIMING, "awaitPromise": True, "returnByValue": True}}))
            while True:
                msg = json.loads(await ws.recv())
                if msg.get("id") == counter[0]:
                    break
            t = json.loads(msg["result"]["result"]["value"])
            t["wall"] = wall
            return t
    finally:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/json/close/{target['id']}").read()


def main():
    url = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    profile = tempfile.mkdtemp(prefix="chargeline-chromium-")
    proc = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                             "--remote-debugging-port=0", f"--user-data-dir={profile}", "--no-first-run",
                             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        for _ in range(300):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        port = int(open(port_file).read().split()[0])
        results = [asyncio.run(one(port, url)) for _ in range(runs)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
    out = []
    for key in ["fcp", "lcp", "dcl", "load", "wall"]:
        vals = [r[key] for r in results if r.get(key) is not None]
        out.append(f"{key}_ms={statistics.median(vals):.0f}" if vals else f"{key}_ms=n/a")
    print(" ".join(out))


if __name__ == "__main__":
    main()
