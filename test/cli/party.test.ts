import { access, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { schnorr } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { expect } from "chai";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import {
  type CliRun,
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

describe("roundtable CLI", () => {
  describe("party run", () => {
    let chain: TestChain;
    let directory: string;
    let storePasswordFile: string;
    let initiator: TestAccount;
    let parties: TestAccount[];
    let outsider: TestAccount;

    /** A 2-of-3 key generation among `parties`; its id and config hash. */
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
          join(directory, `store-${account.address}`),
          "--store-password-file",
          storePasswordFile,
          ...extra,
        ],
        chain.env,
      );
    }

    before(async () => {
      directory = await tempDir("party");
      storePasswordFile = join(directory, "store.pw");
      await writeFile(storePasswordFile, "store password\n", { mode: 0o600 });
      initiator = await testAccount(directory, "initiator");
      outsider = await testAccount(directory, "outsider");
      parties = await Promise.all(["a", "b", "c"].map((label) => testAccount(directory, label)));
      chain = await startTestChain([initiator, outsider, ...parties].map((a) => a.address));
    });

    after(async () => {
      await chain?.stop();
    });

    it("refuses without a terminal and without --yes (exit 5), after showing the configuration", async () => {
      const { sessionId, configHash } = await create();
      const run = await runParty(parties[0] as TestAccount, sessionId);
      expectExit(run, 5);
      expect(run.stderr).to.include(`Session ${sessionId} on chain 31337`);
      expect(run.stderr).to.include(configHash);
      expect(run.stderr).to.include("EIP-712 digest");
      expect(run.stderr).to.include(
        `error: Not accepted: stdin is not a terminal, so session ${sessionId} cannot be confirmed interactively, and nothing was sent. To accept without a prompt, check the config hash above with the initiator and pass --yes --expect-config-hash ${configHash}.`,
      );
      const shown = jsonOf(await runCli(["session", "show", sessionId, "--json"], chain.env));
      expect(shown.actedCount).to.equal(0);
    });

    it("refuses a config hash other than --expect-config-hash (exit 5), sending nothing", async () => {
      const { sessionId, configHash } = await create();
      const other: Hex = `0x${"12".repeat(32)}`;
      const run = await runParty(
        parties[0] as TestAccount,
        sessionId,
        "--yes",
        "--expect-config-hash",
        other,
      );
      expectExit(run, 5);
      expect(run.stderr).to.include(
        `error: Refused session ${sessionId}: its config hash is ${configHash}, but --expect-config-hash is ${other}.`,
      );
      const shown = jsonOf(await runCli(["session", "show", sessionId, "--json"], chain.env));
      expect(shown.actedCount).to.equal(0);
    });

    it("takes --yes only together with --expect-session or --expect-config-hash (exit 2)", async () => {
      const run = await runParty(parties[0] as TestAccount, "1", "--yes");
      expectExit(run, 2);
      expect(run.stderr).to.include(
        "error: --yes accepts without asking only together with --expect-session 0x… (the session fingerprint the initiator gave you, checked over another channel) or --expect-config-hash 0x…",
      );
    });

    it("refuses a --relayer that is not an http(s) URL, naming it (exit 2)", async () => {
      const run = await runParty(
        parties[0] as TestAccount,
        "1",
        "--relayer",
        "http://127.0.0.1:8546",
        "--relayer",
        "ftp://127.0.0.1:21",
      );
      expectExit(run, 2);
      expect(run.stderr).to.include(
        'error: Invalid --relayer "ftp://127.0.0.1:21": expected http(s) URLs',
      );
    });

    it("refuses a --relayer-timeout that is not a number of seconds (exit 2)", async () => {
      const run = await runParty(parties[0] as TestAccount, "1", "--relayer-timeout", "soon");
      expectExit(run, 2);
      expect(run.stderr).to.include('error: Invalid --relayer-timeout "soon"');
    });

    it("tells an account that is not a party so, before creating a store (exit 6)", async () => {
      const { sessionId, configHash } = await create();
      const run = await runParty(outsider, sessionId, "--yes", "--expect-config-hash", configHash);
      expectExit(run, 6);
      expect(run.stderr).to.include(
        `error: Account ${outsider.address} is not a party of session ${sessionId}, which has 3 parties.`,
      );
      const store = join(directory, `store-${outsider.address}`);
      expect(
        await access(store).then(
          () => "created",
          () => "absent",
        ),
      ).to.equal("absent");
    });

    it("runs three parties through a key generation to the same group key", async () => {
      const { sessionId, configHash } = await create();
      const runs = await Promise.all(
        parties.map((party) =>
          runParty(party, sessionId, "--yes", "--expect-config-hash", configHash, "--json"),
        ),
      );
      const outcomes = runs.map((run) => {
        expectExit(run, 0);
        expect(run.stderr).to.match(/\[session \d+\] Accepting, \d of 3 parties done, deadline in/);
        return jsonOf(run);
      });
      const [first] = outcomes;
      expect(first).to.include({ sessionId, status: "finalized" });
      expect(first?.groupPublicKey).to.match(/^0x[0-9a-f]{64}$/);
      for (const outcome of outcomes) {
        expect(outcome.groupPublicKey).to.equal(first?.groupPublicKey);
        expect(outcome.result).to.equal(first?.result);
      }
      const shown = jsonOf(await runCli(["session", "show", sessionId, "--json"], chain.env));
      expect(shown.phase).to.equal("Finalized");
      expect(shown.result).to.equal(first?.result);
    });

    it("signs a text with that key: sign creates the session, two signers run it, BIP-340 verifies", async () => {
      const keygen = await create();
      const keyRuns = await Promise.all(
        parties.map((party) =>
          runParty(party, keygen.sessionId, "--yes", "--expect-config-hash", keygen.configHash),
        ),
      );
      for (const run of keyRuns) expectExit(run, 0);
      const signers = [parties[0]!, parties[2]!];
      const text = "release v1.2.0";
      const created = await runCli(
        [
          "sign",
          ...keyFlags(initiator),
          "--key-session",
          keygen.sessionId,
          "--signers",
          signers.map((p) => p.address).join(","),
          "--text",
          text,
          "--json",
        ],
        chain.env,
      );
      expectExit(created, 0);
      const signing = jsonOf(created);
      const runs = await Promise.all(
        signers.map((signer) =>
          runParty(
            signer,
            String(signing.sessionId),
            "--yes",
            "--expect-config-hash",
            signing.configHash as string,
            "--json",
          ),
        ),
      );
      const outcomes = runs.map((run) => {
        expectExit(run, 0);
        return jsonOf(run);
      });
      const signature = outcomes[0]?.signature as Hex;
      expect(outcomes[1]?.signature).to.equal(signature);
      const key = jsonOf(await runCli(["session", "show", keygen.sessionId, "--json"], chain.env))
        .result as Hex;
      // The text is signed as its BIP-340 tagged hash, computed here by hand from the definition.
      const tag = sha256(new TextEncoder().encode("Roundtable/text/v1"));
      const digest = sha256(new Uint8Array([...tag, ...tag, ...new TextEncoder().encode(text)]));
      expect(signing.message).to.equal(bytesToHex(digest));
      expect(signing.text).to.equal(text);
      expect(schnorr.verify(hexToBytes(signature), digest, hexToBytes(key))).to.equal(true);
    });

    it("sign refuses both --message and --text (exit 2), naming the flag", async () => {
      const run = await runCli(
        [
          "sign",
          ...keyFlags(initiator),
          "--key-session",
          "1",
          "--signers",
          parties.map((p) => p.address).join(","),
          "--message",
          `0x${"ab".repeat(32)}`,
          "--text",
          "x",
        ],
        chain.env,
      );
      expectExit(run, 2);
      expect(run.stderr).to.contain("Pass exactly one of --text");
    });
  });
});
