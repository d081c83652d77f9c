// Parse a Mermaid file with the real Mermaid parser (in jsdom, no browser): exit 0 when valid.
import { JSDOM } from "jsdom";
import { readFileSync } from "node:fs";
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
try {
  const r = await mermaid.parse(readFileSync(process.argv[2], "utf8"));
  console.log(JSON.stringify({ ok: true, type: r.diagramType }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e.message || e) }));
  process.exit(1);
}
