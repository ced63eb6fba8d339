// THREATS B9: a party's automated confirmation names the session itself (chain, contract, session
// id and configuration), so a clone session created with the same configuration, whose config
// hash is the same, is refused.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Address, Hex } from "viem";
import { sessionFingerprint } from "../../src/sdk/sessionFingerprint.js";
import {
  expectExit,
  jsonOf,
  keyFlags,
  runCli,
  startTestChain,
  type TestAccount,
  type TestChain,
  tempDir,
  testAccount,
} from "./helpers.js";

describe("B9: the confirmation names chain, contract and session", () => {
  let chain: TestChain;
  let directory: string;
  let storePasswordFile: string;
  let initiator: TestAccount;
  let parties: TestAccount[];

  async function create(): Promise<{ sessionId: string; configHash: Hex; fingerprint: Hex }> {
    const run = await runCli(
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
    expectExit(run, 0);
    const created = jsonOf(run);
    return {
      sessionId: String(created.sessionId),
      configHash: created.configHash as Hex,
      fingerprint: created.sessionFingerprint as Hex,
    };
  }

  before(async () => {
    directory = await tempDir("expect-session");
    storePasswordFile = join(directory, "store.pw");
    await writeFile(storePasswordFile, "store password\n", { mode: 0o600 });
    initiator = await testAccount(directory, "initiator");
    parties = await Promise.all(["a", "b", "c"].map((label) => testAccount(directory, label)));
    chain = await startTestChain([initiator, ...parties].map((a) => a.address));
  });

  after(async () => {
    await chain?.stop();
  });

  it("gives a clone with the same config hash another fingerprint, and session create prints it", async () => {
    const original = await create();
    const clone = await create();
    expect(clone.configHash).to.equal(original.configHash);
    expect(clone.fingerprint).to.not.equal(original.fingerprint);
    const shown = jsonOf(
      await runCli(["session", "show", original.sessionId, "--json"], chain.env),
    );
    expect(original.fingerprint).to.equal(
      sessionFingerprint({
        chainId: 31337,
        contract: shown.contract as Address,
        sessionId: BigInt(original.sessionId),
        configHash: original.configHash,
      }),
    );
  });

  it("refuses the clone with --yes --expect-session of the original (exit 5), sending nothing", async () => {
    const original = await create();
    const clone = await create();
    const party = parties[0] as TestAccount;
    const run = await runCli(
      [
        "party",
        "run",
        "--session",
        clone.sessionId,
        ...keyFlags(party),
        "--store",
        join(directory, `store-${party.address}`),
        "--store-password-file",
        storePasswordFile,
        "--yes",
        "--expect-session",
        original.fingerprint,
      ],
      chain.env,
    );
    expectExit(run, 5);
    expect(run.stderr).to.include(`error: Refused session ${clone.sessionId}: its fingerprint`);
    expect(run.stderr).to.include(`but --expect-session is ${original.fingerprint}`);
    const shown = jsonOf(await runCli(["session", "show", clone.sessionId, "--json"], chain.env));
    expect(shown.actedCount).to.equal(0);
  });

  it("fingerprints differ in each of chain, contract and session id", () => {
    const base = {
      chainId: 1,
      contract: "0x00000000000000000000000000000000000000aa" as Address,
      sessionId: 7n,
      configHash: `0x${"11".repeat(32)}` as Hex,
    };
    const fingerprints = new Set([
      sessionFingerprint(base),
      sessionFingerprint({ ...base, chainId: 2 }),
      sessionFingerprint({ ...base, contract: "0x00000000000000000000000000000000000000bb" }),
      sessionFingerprint({ ...base, sessionId: 8n }),
      sessionFingerprint({ ...base, configHash: `0x${"22".repeat(32)}` }),
    ]);
    expect(fingerprints.size).to.equal(5);
  });
});
