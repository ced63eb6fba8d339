// Reports quote attacker-chosen chain data: what a terminal or browser would obey is written out.
import { expect } from "chai";
import { escapeHtml } from "../../src/auditor/report/escapeHtml.js";
import { printable } from "../../src/auditor/report/printable.js";

describe("report escaping of chain data", () => {
  it("writes out terminal escapes, bidi overrides, invisibles and separators; leaves text alone", () => {
    expect(printable("a\u001b[2Kb")).to.equal("a\\u{001B}[2Kb");
    expect(printable("pay \u202Eyap\u202C")).to.equal("pay \\u{202E}yap\\u{202C}");
    expect(printable("zero\u200Bwidth\u2028line\nnext")).to.equal(
      "zero\\u{200B}width\\u{2028}line\\u{000A}next",
    );
    expect(printable("tag\u{E0061}")).to.equal("tag\\u{E0061}");
    expect(printable("plain ünïcode ✓ — 0xAbC")).to.equal("plain ünïcode ✓ — 0xAbC");
  });

  it("escapes HTML after writing out what a browser would apply even as an entity", () => {
    expect(escapeHtml('<b title="x">\u202Eevil</b>')).to.equal(
      "&lt;b title=&quot;x&quot;&gt;\\u{202E}evil&lt;/b&gt;",
    );
  });
});
