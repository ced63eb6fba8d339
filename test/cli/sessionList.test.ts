// `roundtable session list --key-file`: the sessions that invite my own key, with kind, phase,
// initiator and a signing session's message and text. Real processes on a real anvil chain.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Hex } from "viem";
import {
  expectExit,
  jsonOf,
  keyFlags,
  runCli,
  type TestAccount,
  tempDir,
  testAccount,
} from "./helpers.js";
import { type AnvilTestChain, startAnvilTestChain } from "./newcomerChain.js";

type Listed = {
  sessionId: string;
  index: number;
  kind: string;
  phase: string;
  initiator: string;
  message?: string;
  messageText?: string | null;
};

describe("roundtable session list --key-file", function () {
  this.timeout(120_000);
  let chain: AnvilTestChain;
  let directory: string;
  let initiator: TestAccount;
  let parties: TestAccount[];
  let keygenId: string;
  let signingId: string;

  before(async () => {
    directory = await tempDir("list");
    const storePasswordFile = join(directory, "store.pw");
    await writeFile(storePasswordFile, "store password\n", { mode: 0o600 });
    initiator = await testAccount(directory, "initiator");
    parties = await Promise.all(["a", "b", "c"].map((label) => testAccount(directory, label)));
    chain = await startAnvilTestChain([initiator, ...parties].map((a) => a.address));

    // A finished 2-of-3 key generation, then a signing session of two of its parties.
    const created = await runCli(
      [
        "session",
        "create",
        ...keyFlags(initiator),
        "--parties",
        parties.map((p) => p.address).join(","),
        "--threshold",
        "2",
        "--json",
      ],
      chain.env,
    );
    expectExit(created, 0);
    keygenId = jsonOf(created).sessionId as string;
    const fingerprint = jsonOf(created).sessionFingerprint as Hex;
    const runs = await Promise.all(
      parties.map((party) =>
        runCli(
          [
            "party",
            "run",
            "--session",
            keygenId,
            ...keyFlags(party),
            "--store",
            join(directory, `store-${party.address}`),
            "--store-password-file",
            storePasswordFile,
            "--yes",
            "--expect-session",
            fingerprint,
          ],
          chain.env,
        ),
      ),
    );
    for (const run of runs) expectExit(run, 0);
    const sign = await runCli(
      [
        "sign",
        ...keyFlags(initiator),
        "--key-session",
        keygenId,
        "--signers",
        [parties[0]?.address, parties[2]?.address].join(","),
        "--text",
        "release v1.2.0",
        "--json",
      ],
      chain.env,
    );
    expectExit(sign, 0);
    signingId = jsonOf(sign).sessionId as string;
  });

  after(async () => {
    await chain?.stop();
  });

  it("lists my key file's sessions with kind, phase, initiator, and a signing session's message and text", async () => {
    const a = parties[0] as TestAccount;
    const run = await runCli(["session", "list", ...keyFlags(a), "--json"], chain.env);
    expectExit(run, 0);
    const listed = jsonOf(run);
    expect(listed.party).to.equal(a.address);
    const invitations = listed.invitations as Listed[];
    expect(invitations.map((i) => i.sessionId)).to.deep.equal([keygenId, signingId]);
    expect(invitations[0]).to.deep.include({
      kind: "key-generation",
      phase: "Finalized",
      initiator: initiator.address,
    });
    expect(invitations[0]).not.to.have.property("message");
    const shown = jsonOf(await runCli(["session", "show", signingId, "--json"], chain.env));
    expect(invitations[1]).to.deep.include({
      kind: "signing",
      phase: "Accepting",
      initiator: initiator.address,
      message: shown.message,
      messageText: "release v1.2.0",
    });

    const human = await runCli(["session", "list", ...keyFlags(a)], chain.env);
    expectExit(human, 0);
    expect(human.stdout).to.include(`that invite ${a.address}:`);
    expect(human.stdout).to.match(
      new RegExp(`\\n +${keygenId} +\\d +key-generation +Finalized +\\d +${initiator.address}`),
    );
    expect(human.stdout).to.match(
      new RegExp(`\\n +${signingId} +\\d +signing +Accepting +0 +no +${initiator.address} +\\S+`),
    );
    expect(human.stdout).to.include(
      `      message ${shown.message as string}: the text "release v1.2.0"`,
    );
  });

  it("lists only the key generation for the party the signing session left out", async () => {
    const b = parties[1] as TestAccount;
    const run = await runCli(["session", "list", ...keyFlags(b), "--json"], chain.env);
    expectExit(run, 0);
    const invitations = jsonOf(run).invitations as Listed[];
    expect(invitations.map((i) => i.sessionId)).to.deep.equal([keygenId]);
  });

  it("refuses --party and --key-file together and neither (exit 2), and a wrong password", async () => {
    const a = parties[0] as TestAccount;
    const both = await runCli(["session", "list", "--party", a.address, ...keyFlags(a)], chain.env);
    expectExit(both, 2);
    expect(both.stderr).to.include("error: Both --party and --key-file were given: pass one");
    const neither = await runCli(["session", "list"], chain.env);
    expectExit(neither, 2);
    expect(neither.stderr).to.include("error: Missing --party or --key-file:");
    const wrong = join(directory, "wrong.pw");
    await writeFile(wrong, "not the password\n", { mode: 0o600 });
    const run = await runCli(
      ["session", "list", "--key-file", a.keyFile, "--password-file", wrong],
      chain.env,
    );
    expect(run.code).to.not.equal(0);
    expect(run.stdout).to.equal("");
    expect(run.stderr).to.match(/^error: .*password/i);
  });
});
