// Page objects: what a person sees and does on Scale Lab, found by data-testid.
export class ScaleLab {
  constructor(page) {
    this.page = page;
  }

  byTestId(id) {
    return this.page.getByTestId(id);
  }

  /**
   * Opens the sandbox with this diagram and scenario, as if the learner had saved them
   * there with an older Scale Lab (a JSON record, which the app upgrades at start), and
   * reloads.
   */
  async openSandboxWith(diagram, scenario) {
    await this.page.evaluate(([d, s]) => {
      localStorage.setItem('scalelab.sandbox', JSON.stringify({ version: 2, diagram: d, scenario: s }));
    }, [diagram, scenario]);
    await this.page.reload();
    await this.ready();
  }

  /** Waits until the app has mounted. */
  async ready() {
    await this.byTestId('app').waitFor({ state: 'visible', timeout: 15000 });
  }

  /** The centre of an element in page coordinates. */
  async center(locator) {
    await locator.scrollIntoViewIfNeeded();
    const box = await locator.boundingBox();
    if (!box) throw new Error('element is not visible');
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }

  /** Presses the mouse at `from`, moves in steps, releases at `to`. */
  async drag(from, to, { steps = 8, shift = false } = {}) {
    const m = this.page.mouse;
    if (shift) await this.page.keyboard.down('Shift');
    await m.move(from.x, from.y);
    await m.down();
    await m.move(to.x, to.y, { steps });
    await m.up();
    if (shift) await this.page.keyboard.up('Shift');
  }

  /** A point of the canvas, given relative to its top-left corner. */
  async canvasPoint(x, y) {
    const box = await this.byTestId('canvas-area').boundingBox();
    return { x: box.x + x, y: box.y + y };
  }

  /**
   * Drags a component from the palette onto the canvas at (x, y) and returns the id
   * the inspector shows for it (a new component is selected).
   */
  async addComponent(kind, x, y) {
    const tile = this.byTestId(`palette-${kind}`);
    await this.drag(await this.center(tile), await this.canvasPoint(x, y));
    const id = this.byTestId('node-id');
    await id.waitFor({ state: 'visible' });
    return (await id.innerText()).trim();
  }

  node(id) {
    return this.page.locator(`svg [data-testid="node-${id}"]`);
  }

  nodes() {
    return this.page.locator('svg g.node');
  }

  edges() {
    return this.page.locator('svg path.edge');
  }

  /** Drags from one node's output port to another node. */
  async wire(from, to) {
    const port = this.page.locator(`[data-testid="port-${from}"]`);
    await this.drag(await this.center(port), await this.center(this.node(to)), { steps: 12 });
  }

  async clickNode(id) {
    const c = await this.center(this.node(id));
    await this.page.mouse.click(c.x - 30, c.y);
  }

  async run() {
    await this.byTestId('run').click();
  }

  /** The text of a metric in the metrics panel. */
  async metricText(name) {
    return (await this.byTestId(`metric-${name}`).innerText()).trim();
  }

  /** A metric as a number (separators and units stripped); NaN when not shown yet. */
  async metric(name) {
    const text = await this.metricText(name);
    return Number.parseFloat(text.replace(/,/g, ''));
  }

  /** Waits until `predicate(value of metric)` holds. */
  async waitForMetric(name, predicate, timeout = 20000) {
    const start = Date.now();
    for (;;) {
      const v = await this.metric(name);
      if (predicate(v)) return v;
      if (Date.now() - start > timeout) {
        throw new Error(`metric ${name} stayed at ${v}`);
      }
      await this.page.waitForTimeout(100);
    }
  }

  async setSpeed(value) {
    await this.byTestId('speed').selectOption(String(value));
  }

  /** Clicks "Check goals", waits for the check to finish and returns the status line. */
  async checkGoals(timeout = 60000) {
    await this.byTestId('check-goals').click();
    await this.page.waitForFunction(() => {
      const s = document.querySelector('[data-testid="check-status"]');
      return s && /^Checked/.test(s.textContent);
    }, null, { timeout });
    return (await this.byTestId('check-status').innerText()).trim();
  }

  /** Clicks the button `testid`, which starts a download, and saves the file at `path`. */
  async download(testid, path) {
    const [file] = await Promise.all([this.page.waitForEvent('download'), this.byTestId(testid).click()]);
    await file.saveAs(path);
    return path;
  }

  async notice() {
    const n = this.byTestId('notice-text');
    await n.waitFor({ state: 'visible' });
    return (await n.innerText()).trim();
  }

  /**
   * The notice once it matches `pattern`: after an action whose notice comes later (a
   * file read by the files module, say), an earlier notice may still be showing.
   */
  async noticeMatching(pattern) {
    await this.page.waitForFunction(
      (source) => new RegExp(source).test(document.querySelector('[data-testid="notice-text"]')?.textContent ?? ''),
      pattern.source,
    );
    return this.notice();
  }

  /** Drags with one finger from `from` to `to` (touch events through the DevTools protocol). */
  async touchDrag(from, to, steps = 10) {
    const cdp = await this.page.context().newCDPSession(this.page);
    const touch = (type, points) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points });
    await touch('touchStart', [{ x: from.x, y: from.y, id: 1 }]);
    for (let i = 1; i <= steps; i++) {
      const t = i / steps;
      await touch('touchMove', [{ x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t, id: 1 }]);
    }
    await touch('touchEnd', []);
    await cdp.detach();
  }

  /** Spreads two fingers apart around `center` by `grow` pixels each. */
  async pinchOut(center, grow, steps = 8) {
    const cdp = await this.page.context().newCDPSession(this.page);
    const touch = (type, points) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points });
    const at = (d) => [
      { x: center.x - 40 - d, y: center.y, id: 1 },
      { x: center.x + 40 + d, y: center.y, id: 2 },
    ];
    await touch('touchStart', at(0));
    for (let i = 1; i <= steps; i++) await touch('touchMove', at((grow * i) / steps));
    await touch('touchEnd', []);
    await cdp.detach();
  }
}
