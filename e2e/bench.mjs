// Browser benchmarks, run by `cargo xtask bench` after a release build:
// 1. engine events per second in WebAssembly (the same workload as the native bench),
// 2. animation frame rate and per-frame script time with ~2,000 requests in flight.
import { startSession, openPage } from './harness.mjs';

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const session = await startSession();
try {
  // Engine.
  const { page, context } = await openPage(session, { query: '?bench=engine' });
  const result = page.getByTestId('bench-result');
  await result.waitFor({ timeout: 120000 });
  const wasm = JSON.parse(await result.innerText());
  await context.close();
  console.log(`wasm engine: ${wasm.events} events in ${wasm.ms.toFixed(1)} ms = ${(wasm.events_per_s / 1e6).toFixed(2)} M events/s`);
  const native = (process.env.NATIVE_BENCH_OUTPUT ?? '').match(/events per second:\s*([\d.]+)/);
  if (native) {
    const nativeRate = Number(native[1]);
    console.log(`native engine: ${(nativeRate / 1e6).toFixed(2)} M events/s; native / wasm = ${(nativeRate / wasm.events_per_s).toFixed(2)}x (target <= 1.6x)`);
  }

  // First frame: from navigation to the mounted app, in a fresh page (median of 5).
  const firsts = [];
  for (let i = 0; i < 5; i++) {
    const first = await openPage(session);
    await first.page.getByTestId('app').waitFor();
    firsts.push(await first.page.evaluate(() => {
      const paint = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');
      return Math.max(paint ? paint.startTime : 0, performance.now());
    }));
    await first.context.close();
  }
  firsts.sort((a, b) => a - b);
  console.log(`first frame: app mounted ${percentile(firsts, 50).toFixed(0)} ms after navigation (median of 5; target < 500 ms)`);

  // Animation: the page records every frame's script time and the dots it drew.
  const anim = await openPage(session, { query: '?bench=anim', viewport: { width: 1400, height: 900 } });
  await anim.page.getByTestId('app').waitFor();
  await anim.page.waitForFunction(() => (window.__scalelabFrames ?? []).length > 60, null, { timeout: 60000 });
  // Warm up, then measure five seconds of frames.
  await anim.page.waitForTimeout(3000);
  const stats = await anim.page.evaluate(async () => {
    window.__scalelabFrames = [];
    window.__scalelabDots = [];
    const stamps = [];
    const end = performance.now() + 5000;
    await new Promise((done) => {
      const tick = (t) => {
        stamps.push(t);
        if (t < end) requestAnimationFrame(tick);
        else done();
      };
      requestAnimationFrame(tick);
    });
    return { stamps, script: window.__scalelabFrames, dots: window.__scalelabDots };
  });
  await anim.context.close();
  const intervals = stats.stamps.slice(1).map((t, i) => t - stats.stamps[i]).sort((a, b) => a - b);
  const fps = 1000 / percentile(intervals, 50);
  const script = [...stats.script].sort((a, b) => a - b);
  const dots = [...stats.dots].sort((a, b) => a - b);
  console.log(`animation: ${percentile(dots, 50)} requests in flight (median), median ${fps.toFixed(1)} fps (target >= 55), ` +
    `frame script time p50 ${percentile(script, 50).toFixed(2)} ms, p95 ${percentile(script, 95).toFixed(2)} ms (target <= 8 ms)`);
} finally {
  await session.close();
}
