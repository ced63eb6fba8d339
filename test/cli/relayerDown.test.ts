// `party run --relayer URL` with nothing listening at URL: the party warns once, naming the relayer
// (redacted), that its actions go to direct delivery, and finishes the session. Real processes, a
// real anvil chain and a real closed port.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Hex } from "viem";
import {
  closedPort,
  expectExit,
  jsonOf,
  keyFlags,
  runCli,
  tempDir,
  testAccount,
} from "./helpers.js";
import { type AnvilTestChain, startAnvilTestChain } from "./newcomerChain.js";

describe("roundtable party run with a dead relayer", function () {
  this.timeout(120_000);
  let chain: AnvilTestChain;

  after(async () => {
    await chain?.stop();
  });

  it("warns once, naming the relayer without its path, and delivers directly to the end", async () => {
    const directory = await tempDir("dead-relayer");
    const storePasswordFile = join(directory, "store.pw");
    await writeFile(storePasswordFile, "store password\n", { mode: 0o600 });
    const initiator = await testAccount(directory, "initiator");
    const parties = await Promise.all(["a", "b"].map((label) => testAccount(directory, label)));
    chain = await startAnvilTestChain([initiator, ...parties].map((a) => a.address));
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
    const sessionId = jsonOf(created).sessionId as string;
    const fingerprint = jsonOf(created).sessionFingerprint as Hex;
    const port = await closedPort();
    const relayer = `http://127.0.0.1:${port}/secret-api-key`;
    const [withRelayer, direct] = await Promise.all(
      parties.map((party, i) =>
        runCli(
          [
            "party",
            "run",
            "--session",
            sessionId,
            ...keyFlags(party),
            "--store",
            join(directory, `store-${party.address}`),
            "--store-password-file",
            storePasswordFile,
            "--yes",
            "--expect-session",
            fingerprint,
            ...(i === 0 ? ["--relayer", relayer] : []),
          ],
          chain.env,
        ),
      ),
    );
    expectExit(withRelayer ?? { code: null, stdout: "", stderr: "" }, 0);
    expectExit(direct ?? { code: null, stdout: "", stderr: "" }, 0);
    const stderr = withRelayer?.stderr ?? "";
    const warnings = stderr.split("\n").filter((line) => line.includes("cannot be reached"));
    // Every action of the session (acceptance and each round) went past the dead relayer: one line.
    expect(warnings).to.deep.equal([
      `warning: Relayer http://127.0.0.1:${port}/… cannot be reached (ECONNREFUSED): each action goes on to direct delivery by the account (which needs gas).`,
    ]);
    expect(stderr).not.to.include("secret-api-key", stderr);
    expect(direct?.stderr).not.to.include("cannot be reached");
    const shown = jsonOf(await runCli(["session", "show", sessionId, "--json"], chain.env));
    expect(shown.phase).to.equal("Finalized");
  });
});
