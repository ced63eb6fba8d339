// Several --rpc-url are a quorum (issue 11, THREATS N4): real `roundtable` processes against a
// local chain, one provider being a lying proxy (or not there at all).

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Hex } from "viem";
import { type LyingRpc, startLyingRpc } from "../helpers/lyingRpc.js";
import {
  type CliRun,
  closedPort,
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

/** Flips the last byte of the data of every log that has data: what a key-substituting provider does. */
function alterLogs(method: string, _params: unknown[], result: unknown): unknown {
  if (method !== "eth_getLogs" || !Array.isArray(result)) return result;
  return result.map((log: { data: Hex }) => {
    if (log.data.length <= 2) return log;
    const last = (Number.parseInt(log.data.slice(-2), 16) ^ 0xff).toString(16).padStart(2, "0");
    return { ...log, data: `${log.data.slice(0, -2)}${last}` };
  });
}

describe("roundtable CLI", () => {
  describe("several --rpc-url", () => {
    let chain: TestChain;
    let directory: string;
    let storePasswordFile: string;
    let initiator: TestAccount;
    let parties: TestAccount[];
    let liar: LyingRpc;
    let down: string;

    /** The environment without ROUNDTABLE_RPC_URL: each test names its providers. */
    const env = () => ({ ...chain.env, ROUNDTABLE_RPC_URL: undefined });

    async function create(): Promise<{ sessionId: string; configHash: Hex }> {
      const run = await runCli(
        [
          "session",
          "create",
          ...keyFlags(initiator),
          "--parties",
          parties.map((p) => p.address).join(","),
          "--threshold",
          "2",
          "--round-duration",
          "600",
          "--json",
        ],
        chain.env,
      );
      expectExit(run, 0);
      const created = jsonOf(run);
      return { sessionId: String(created.sessionId), configHash: created.configHash as Hex };
    }

    function runParty(
      account: TestAccount,
      sessionId: string,
      ...extra: string[]
    ): Promise<CliRun> {
      return runCli(
        [
          "party",
          "run",
          "--session",
          sessionId,
          ...keyFlags(account),
          "--store",
          join(directory, `store-${account.address}-${sessionId}`),
          "--store-password-file",
          storePasswordFile,
          ...extra,
        ],
        env(),
      );
    }

    before(async () => {
      directory = await tempDir("quorum");
      storePasswordFile = join(directory, "store.pw");
      await writeFile(storePasswordFile, "store password\n", { mode: 0o600 });
      initiator = await testAccount(directory, "initiator");
      parties = await Promise.all(["a", "b", "c"].map((label) => testAccount(directory, label)));
      chain = await startTestChain([initiator, ...parties].map((a) => a.address));
      liar = await startLyingRpc({ target: chain.rpcUrl });
      down = `http://127.0.0.1:${await closedPort()}`;
    });

    afterEach(() => liar.reset());

    after(async () => {
      await liar?.stop();
      await chain?.stop();
    });

    it("party run stops before sending anything when one provider alters logs, naming it (exit 4)", async () => {
      const { sessionId, configHash } = await create();
      liar.lie({ rewrite: alterLogs });
      const party = parties[0] as TestAccount;
      const run = await runParty(
        party,
        sessionId,
        "--rpc-url",
        chain.rpcUrl,
        "--rpc-url",
        liar.url,
        "--yes",
        "--expect-config-hash",
        configHash,
      );
      expectExit(run, 4);
      expect(run.stderr).to.include("error: RPC providers disagree on eth_getLogs (");
      expect(run.stderr).to.include(`${liar.url} says 0x`);
      expect(run.stderr).to.include(`${chain.rpcUrl} says 0x`);
      expect(run.stderr).to.include("no answer has the quorum of 2 of 2.");
      expect(run.stderr).to.include(
        "nothing is signed or sent on a read the providers disagree on",
      );
      expect(liar.count("eth_sendRawTransaction")).to.equal(0);
      expect(await chain.publicClient.getTransactionCount({ address: party.address })).to.equal(0);
      const shown = jsonOf(await runCli(["session", "show", sessionId, "--json"], chain.env));
      expect(shown.actedCount).to.equal(0);
    });

    it("party run outvotes the liar with --rpc-quorum 2 of 3 and shows the true configuration", async () => {
      const { sessionId, configHash } = await create();
      liar.lie({ rewrite: alterLogs });
      const run = await runParty(
        parties[0] as TestAccount,
        sessionId,
        "--rpc-url",
        chain.rpcUrl,
        "--rpc-url",
        liar.url,
        "--rpc-url",
        chain.rpcUrl.replace("127.0.0.1", "localhost"),
        "--rpc-quorum",
        "2",
      );
      // No terminal and no --yes: it shows the configuration and refuses, as with one provider.
      expectExit(run, 5);
      expect(run.stderr).to.include(configHash);
      expect(run.stderr).to.include("(2 of 3 must agree)");
    });

    it("session show stops on a disagreement too", async () => {
      const { sessionId } = await create();
      liar.lie({ rewrite: alterLogs });
      const run = await runCli(
        ["session", "show", sessionId, "--rpc-url", liar.url, "--rpc-url", chain.rpcUrl],
        env(),
      );
      expectExit(run, 4);
      expect(run.stderr).to.include(`RPC providers disagree on eth_getLogs`);
      expect(run.stderr).to.include(`${liar.url} says`);
    });

    it("party run skips an unreachable provider while --rpc-quorum 1 of 2 holds", async () => {
      const { sessionId, configHash } = await create();
      const runs = await Promise.all(
        parties.map((party) =>
          runParty(
            party,
            sessionId,
            "--rpc-url",
            down,
            "--rpc-url",
            chain.rpcUrl,
            "--rpc-quorum",
            "1",
            "--yes",
            "--expect-config-hash",
            configHash,
            "--json",
          ),
        ),
      );
      const outcomes = runs.map((run) => {
        expectExit(run, 0);
        expect(run.stderr).to.include(`(${down}, ${chain.rpcUrl} (1 of 2 must agree))`);
        return jsonOf(run);
      });
      expect(outcomes[0]).to.include({ sessionId, status: "finalized" });
      for (const outcome of outcomes) {
        expect(outcome.groupPublicKey).to.equal(outcomes[0]?.groupPublicKey);
      }
    });

    it("fails when an unreachable provider leaves the quorum short (exit 4), naming it", async () => {
      const run = await runCli(
        ["session", "show", "1", "--rpc-url", down, "--rpc-url", chain.rpcUrl],
        env(),
      );
      expectExit(run, 4);
      expect(run.stderr).to.include(
        `error: Only 1 of 2 RPC providers answered eth_chainId, fewer than the quorum of 2: ${down} failed (`,
      );
      expect(run.stderr).to.include("lower --rpc-quorum");
    });

    it("refuses a --rpc-quorum larger than the providers given (exit 2), naming the flag", async () => {
      const run = await runCli(
        ["session", "show", "1", "--rpc-url", chain.rpcUrl, "--rpc-quorum", "2"],
        env(),
      );
      expectExit(run, 2);
      expect(run.stderr).to.include(
        'error: Invalid --rpc-quorum "2": expected how many of the 1 RPC provider given must agree, a whole number from 1 to 1, such as --rpc-quorum 1.',
      );
    });
  });
});
