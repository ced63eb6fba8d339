import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Hex } from "viem";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import {
  expectExit,
  jsonOf,
  keyFlags,
  runCli,
  sorted,
  startTestChain,
  type TestAccount,
  type TestChain,
  tempDir,
  testAccount,
} from "./helpers.js";

describe("roundtable CLI", () => {
  describe("session", () => {
    let chain: TestChain;
    let directory: string;
    let initiator: TestAccount;
    let parties: TestAccount[];
    let outsider: TestAccount;

    const partyList = () => parties.map((p) => p.address).join(",");
    const sessionCount = () =>
      chain.publicClient.readContract({
        address: chain.contract,
        abi: roundtableAbi,
        functionName: "sessionCount",
      });

    /** Creates a 2-of-3 key generation from the initiator and returns its --json object. */
    async function create(...extra: string[]): Promise<Record<string, unknown>> {
      const run = await runCli(
        [
          "session",
          "create",
          ...keyFlags(initiator),
          "--parties",
          partyList(),
          "--threshold",
          "2",
          "--json",
          ...extra,
        ],
        chain.env,
      );
      expectExit(run, 0);
      return jsonOf(run);
    }

    before(async () => {
      directory = await tempDir("session");
      initiator = await testAccount(directory, "initiator");
      outsider = await testAccount(directory, "outsider");
      parties = await Promise.all(["a", "b", "c"].map((label) => testAccount(directory, label)));
      chain = await startTestChain([initiator, outsider, ...parties].map((a) => a.address));
    });

    after(async () => {
      await chain?.stop();
    });

    describe("create", () => {
      it("creates a key generation and prints one JSON object with its id and hash", async () => {
        const countBefore = await sessionCount();
        const created = await create();
        const sessionId = BigInt(String(created.sessionId));
        expect(sessionId).to.equal(countBefore + 1n);
        expect(created).to.include({
          chainId: 31337,
          contract: chain.contract,
          kind: "key-generation",
          protocol: "frost-keygen",
          ciphersuite: "FROST-secp256k1-SHA256-TR-v1",
          threshold: 2,
        });
        expect(created.parties).to.deep.equal(sorted(parties.map((p) => p.address)));
        const stored = await chain.publicClient.readContract({
          address: chain.contract,
          abi: roundtableAbi,
          functionName: "configHashOf",
          args: [sessionId],
        });
        expect(created.configHash).to.equal(stored);
        expect(created.partyCommand).to.equal(
          `roundtable party run --session ${sessionId} --rpc-url ${chain.rpcUrl} --contract ${chain.contract} --key-file KEY.json --store SECRETS_DIR`,
        );
      });

      it("says that it sorted the parties, and shows each party's index", async () => {
        const run = await runCli(
          [
            "session",
            "create",
            ...keyFlags(initiator),
            "--parties",
            partyList(),
            "--threshold",
            "2",
          ],
          chain.env,
        );
        expectExit(run, 0);
        expect(run.stderr).to.include("Parties sorted by address, as the contract requires");
        const expected = sorted(parties.map((p) => p.address));
        expected.forEach((address, i) => {
          expect(run.stdout).to.include(`  ${i}  ${address}`);
        });
        expect(run.stdout).to.match(/Created session \d+ on chain 31337/);
        expect(run.stdout).to.include("roundtable party run --session");
      });

      it("refuses a wrong password with exit 3, and creates nothing", async () => {
        const wrong = join(directory, "wrong.pw");
        await writeFile(wrong, "not the password\n", { mode: 0o600 });
        const countBefore = await sessionCount();
        const run = await runCli(
          [
            "session",
            "create",
            "--key-file",
            initiator.keyFile,
            "--password-file",
            wrong,
            "--parties",
            partyList(),
            "--threshold",
            "2",
          ],
          chain.env,
        );
        expectExit(run, 3);
        expect(run.stderr).to.equal(
          `error: Wrong password for key file ${initiator.keyFile}. Nothing was changed; try again.\n`,
        );
        expect(run.stdout).to.equal("");
        expect(await sessionCount()).to.equal(countBefore);
      });

      it("signs with a raw key from ROUNDTABLE_PRIVATE_KEY, with a warning on stderr", async () => {
        const run = await runCli(
          ["session", "create", "--parties", partyList(), "--threshold", "2", "--json"],
          { ...chain.env, ROUNDTABLE_PRIVATE_KEY: initiator.privateKey },
        );
        expectExit(run, 0);
        expect(run.stderr).to.include(
          "WARNING: signing with the raw private key in ROUNDTABLE_PRIVATE_KEY.",
        );
        expect(run.stdout + run.stderr).not.to.include(initiator.privateKey.slice(2));
        expect(jsonOf(run).sessionId).to.be.a("string");
      });

      it("without any key, names --key-file (exit 2)", async () => {
        const run = await runCli(
          ["session", "create", "--parties", partyList(), "--threshold", "2"],
          chain.env,
        );
        expectExit(run, 2);
        expect(run.stderr).to.include(
          "Creating a session needs the account's key: pass --key-file",
        );
      });
    });

    describe("show", () => {
      it("shows the configuration, the parties and the phase as one JSON object", async () => {
        const created = await create();
        const run = await runCli(
          ["session", "show", String(created.sessionId), "--json"],
          chain.env,
        );
        expectExit(run, 0);
        const shown = jsonOf(run);
        expect(shown).to.include({
          sessionId: created.sessionId,
          configHash: created.configHash,
          phase: "Accepting",
          round: 0,
          threshold: 2,
          partyCount: 3,
          actedCount: 0,
          initiator: initiator.address,
          result: null,
          abort: null,
        });
        const listed = shown.parties as { index: number; address: string; accepted: boolean }[];
        expect(listed.map((p) => p.address)).to.deep.equal(created.parties);
        expect(listed.every((p) => !p.accepted)).to.equal(true);
        const deadline = shown.deadline as { secondsLeft: number; unix: number };
        expect(deadline.secondsLeft).to.be.greaterThan(0);
        expect(deadline.unix).to.equal((created.acceptanceDeadline as { unix: number }).unix);
      });

      it("prints a readable summary without --json", async () => {
        const created = await create();
        const run = await runCli(["session", "show", String(created.sessionId)], chain.env);
        expectExit(run, 0);
        expect(run.stdout).to.include(`Session ${created.sessionId} on chain 31337`);
        expect(run.stdout).to.match(/phase +Accepting/);
        expect(run.stdout).to.match(/accepted +0 of 3/);
        expect(run.stdout).to.include(String(created.configHash));
      });

      it("names an unknown session (exit 2)", async () => {
        const run = await runCli(["session", "show", "999999"], chain.env);
        expectExit(run, 2);
        expect(run.stderr).to.include("error: Session 999999 does not exist on this contract.");
      });
    });

    describe("list", () => {
      it("lists a party's invitations with their phase and its index", async () => {
        const created = await create();
        const [first] = sorted(parties.map((p) => p.address));
        const run = await runCli(
          ["session", "list", "--party", String(first), "--json"],
          chain.env,
        );
        expectExit(run, 0);
        const listed = jsonOf(run);
        expect(listed.party).to.equal(first);
        const invitations = listed.invitations as {
          sessionId: string;
          index: number;
          phase: string;
        }[];
        expect(invitations.find((i) => i.sessionId === created.sessionId)).to.deep.include({
          index: 0,
          phase: "Accepting",
        });
      });

      it("lists nothing for an account that no session invites", async () => {
        const run = await runCli(
          ["session", "list", "--party", outsider.address, "--json"],
          chain.env,
        );
        expectExit(run, 0);
        expect(jsonOf(run).invitations).to.deep.equal([]);
      });
    });

    describe("expire", () => {
      it("refuses before the deadline (exit 6), then aborts the session blaming every party", async () => {
        const created = await create("--acceptance", "60");
        const id = String(created.sessionId);
        const early = await runCli(["session", "expire", id, ...keyFlags(outsider)], chain.env);
        expectExit(early, 6);
        expect(early.stderr).to.include(`error: Session ${id} cannot be expired yet`);

        await chain.advance(120);
        const run = await runCli(
          ["session", "expire", id, ...keyFlags(outsider), "--json"],
          chain.env,
        );
        expectExit(run, 0);
        expect(jsonOf(run)).to.include({ sessionId: id, status: "aborted", reason: "expired" });
        expect(jsonOf(run).blame).to.deep.equal([0, 1, 2]);

        const shown = jsonOf(await runCli(["session", "show", id, "--json"], chain.env));
        expect(shown.phase).to.equal("Aborted");
        expect(shown.abort).to.deep.equal({ reason: "expired", blame: [0, 1, 2] });
      });
    });

    describe("cancel", () => {
      it("is refused to anyone but the initiator (exit 6)", async () => {
        const created = await create();
        const run = await runCli(
          ["session", "cancel", String(created.sessionId), ...keyFlags(outsider)],
          chain.env,
        );
        expectExit(run, 6);
        expect(run.stderr).to.include(
          `error: Session ${created.sessionId} can only be cancelled by its initiator ${initiator.address}, but the transaction came from ${outsider.address}.`,
        );
      });

      it("cancels a session for its initiator", async () => {
        const created = await create();
        const id = String(created.sessionId);
        const run = await runCli(["session", "cancel", id, ...keyFlags(initiator)], chain.env);
        expectExit(run, 0);
        expect(run.stdout).to.include(`Session ${id} cancelled.`);
        const shown = jsonOf(await runCli(["session", "show", id, "--json"], chain.env));
        expect(shown.phase).to.equal("Cancelled");
      });
    });

    describe("bad input", () => {
      it("names an unknown flag and suggests the right one (exit 2)", async () => {
        const run = await runCli(["session", "show", "1", "--jsno"], chain.env);
        expectExit(run, 2);
        expect(run.stderr).to.equal(
          "error: Unknown flag --jsno for `roundtable session show`. Did you mean --json? Run `roundtable session show --help` for its flags.\n",
        );
      });

      it("refuses a malformed session id with an example (exit 2)", async () => {
        const run = await runCli(["session", "show", "abc"], chain.env);
        expectExit(run, 2);
        expect(run.stderr).to.equal(
          'error: Invalid argument ID "abc": expected a session id, a whole number from 1 (sessions are numbered from 1), such as 7.\n',
        );
      });

      it("refuses an address that is not hex, naming the flag (exit 2)", async () => {
        const run = await runCli(["session", "list", "--party", "0xnothex"], chain.env);
        expectExit(run, 2);
        expect(run.stderr).to.equal(
          'error: Invalid --party "0xnothex": expected an address, 0x followed by 40 hex digits, such as --party 0x70997970C51812dc3A010C7d01b50e0d17dc79C8.\n',
        );
      });

      it("names the bad item of --parties (exit 2)", async () => {
        const run = await runCli(
          [
            "session",
            "create",
            ...keyFlags(initiator),
            "--parties",
            `${parties[0]?.address},0x1234`,
            "--threshold",
            "2",
          ],
          chain.env,
        );
        expectExit(run, 2);
        expect(run.stderr).to.include(
          'error: Invalid --parties: item 2 "0x1234" is not an address',
        );
      });

      it("refuses threshold 0 with the valid range (exit 2)", async () => {
        const countBefore = await sessionCount();
        const run = await runCli(
          [
            "session",
            "create",
            ...keyFlags(initiator),
            "--parties",
            partyList(),
            "--threshold",
            "0",
          ],
          chain.env,
        );
        expectExit(run, 2);
        expect(run.stderr).to.include('error: Invalid --threshold "0"');
        expect(run.stderr).to.include("a whole number from 2 to 3, such as --threshold 2.");
        expect(await sessionCount()).to.equal(countBefore);
      });

      it("refuses a message that is not 32 bytes (exit 2)", async () => {
        const run = await runCli(
          [
            "session",
            "create",
            ...keyFlags(initiator),
            "--kind",
            "signing",
            "--key-session",
            "1",
            "--message",
            "0xabcd",
            "--parties",
            partyList(),
          ],
          chain.env,
        );
        expectExit(run, 2);
        expect(run.stderr).to.include('error: Invalid --message "0xabcd" (2 bytes)');
        expect(run.stderr).to.include("32 bytes as 0x followed by 64 hex digits");
      });

      it("with --json, a usage error is the one object on stdout", async () => {
        const run = await runCli(["session", "show", "0", "--json"], chain.env);
        expectExit(run, 2);
        expect(jsonOf(run)).to.deep.equal({
          error: {
            message:
              'Invalid argument ID "0": expected a session id, a whole number from 1 (sessions are numbered from 1), such as 7.',
            exitCode: 2,
            retryable: false,
            flag: "ID",
          },
        });
      });

      it("says how to find a contract when no deployment is recorded (exit 2)", async () => {
        const empty = await tempDir("no-deployments");
        const run = await runCli(["session", "show", "1"], {
          ...chain.env,
          ROUNDTABLE_DEPLOYMENTS_DIR: empty,
        });
        expectExit(run, 2);
        expect(run.stderr).to.equal(
          `error: No Roundtable contract is known for chain 31337: ${join(empty, "31337.json")} does not exist. Pass --contract ADDRESS (or set ROUNDTABLE_CONTRACT); to get one, run \`roundtable chain\` for a local chain or \`roundtable deploy\` for this one.\n`,
        );
      });

      it("refuses a digest of zero for signing, before touching the key (exit 2)", async () => {
        const zero: Hex = `0x${"00".repeat(32)}`;
        const run = await runCli(
          [
            "session",
            "create",
            "--kind",
            "signing",
            "--key-session",
            "1",
            "--message",
            zero,
            "--parties",
            partyList(),
          ],
          chain.env,
        );
        expectExit(run, 2);
        expect(run.stderr).to.include("error: Invalid --message: it is zero");
      });
    });
  });
});
