// `roundtable share export` and `share import` on a local chain: a party's key share from a real
// CLI key generation moves to a fresh store, which then signs with the other parties; a file for
// another account, a wrong passphrase, another chain, or a store holding another share is refused.
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { schnorr } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { expect } from "chai";
import { type Address, bytesToHex, type Hex, hexToBytes } from "viem";
import { openFileSecretStore } from "../../src/party/fileSecretStore.js";
import { KEY_SHARE_RECORD } from "../../src/party/records.js";
import {
  type CliRun,
  createKeygenViaCli,
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

describe("roundtable CLI: share export and share import", () => {
  let chain: TestChain;
  let directory: string;
  let storePasswordFile: string;
  let passphraseFile: string;
  let initiator: TestAccount;
  let parties: TestAccount[];
  let outsider: TestAccount;
  let keySession: string;
  let groupKey: Hex;
  /** Party b: the one whose share moves. */
  let mover: TestAccount;
  let moverIndex: number;
  let exported: string;

  const storeOf = (account: TestAccount) => join(directory, `store-${account.address}`);

  function partyRun(account: TestAccount, sessionId: string, store: string, expect: string) {
    return runCli(
      [
        "party",
        "run",
        "--session",
        sessionId,
        ...keyFlags(account),
        "--store",
        store,
        "--store-password-file",
        storePasswordFile,
        "--yes",
        "--expect-session",
        expect,
        "--json",
      ],
      chain.env,
    );
  }

  function share(
    command: "export" | "import",
    account: TestAccount,
    ...extra: string[]
  ): Promise<CliRun> {
    return runCli(
      [
        "share",
        command,
        ...keyFlags(account),
        "--store-password-file",
        storePasswordFile,
        ...extra,
        "--json",
      ],
      chain.env,
    );
  }

  /** The key share `store` holds for the mover, as hex (for checking it never leaks). */
  async function heldShare(store: string): Promise<Hex | undefined> {
    const opened = await openFileSecretStore({ directory: store, password: "store password" });
    const held = await opened.get(
      {
        chainId: chain.chainId,
        contract: chain.contract,
        sessionId: BigInt(keySession),
        party: moverIndex,
      },
      KEY_SHARE_RECORD,
    );
    return held === undefined ? undefined : bytesToHex(held);
  }

  before(async function () {
    this.timeout(300_000);
    directory = await tempDir("share");
    storePasswordFile = join(directory, "store.pw");
    passphraseFile = join(directory, "share.pw");
    await writeFile(storePasswordFile, "store password\n", { mode: 0o600 });
    await writeFile(passphraseFile, "a share passphrase of words\n", { mode: 0o600 });
    initiator = await testAccount(directory, "initiator");
    outsider = await testAccount(directory, "outsider");
    parties = await Promise.all(["a", "b", "c"].map((label) => testAccount(directory, label)));
    chain = await startTestChain([initiator, outsider, ...parties].map((a) => a.address));

    const created = await createKeygenViaCli(
      chain.env,
      initiator,
      parties,
      "--round-duration",
      "600",
    );
    keySession = created.sessionId;
    const runs = await Promise.all(
      parties.map((p) => partyRun(p, keySession, storeOf(p), created.fingerprint)),
    );
    for (const run of runs) expectExit(run, 0);
    groupKey = jsonOf(runs[0]!).groupPublicKey as Hex;
    mover = parties[1]!;
    moverIndex = sorted(parties.map((p) => p.address)).indexOf(mover.address);
    exported = join(directory, "b-share.json");
  });

  after(async () => {
    await chain?.stop();
  });

  it("exports a party's share to a 0600 file, printing the session, party and group key only", async () => {
    const run = await share(
      "export",
      mover,
      "--key-session",
      keySession,
      "--store",
      storeOf(mover),
      "--passphrase-file",
      passphraseFile,
      "--out",
      exported,
    );
    expectExit(run, 0);
    const result = jsonOf(run);
    expect(result).to.include({
      keySession,
      party: moverIndex,
      account: mover.address,
      groupPublicKey: groupKey,
      chainId: chain.chainId,
      file: exported,
    });
    expect((await stat(exported)).mode & 0o777).to.equal(0o600);
    const text = await readFile(exported, "utf8");
    const file = JSON.parse(text) as Record<string, unknown>;
    expect(file).to.include({ format: "roundtable-key-share", keySession, party: moverIndex });
    const secret = await heldShare(storeOf(mover));
    expect(secret).to.match(/^0x[0-9a-f]+$/);
    for (const seen of [run.stdout, run.stderr, text]) {
      expect(seen.toLowerCase()).to.not.include(secret!.slice(2));
      expect(seen).to.not.include("a share passphrase of words");
    }
  });

  it("refuses to overwrite --out without --force (exit 2), leaving it as it was; --force replaces it", async () => {
    const before = await readFile(exported, "utf8");
    const run = await share(
      "export",
      mover,
      "--key-session",
      keySession,
      "--store",
      storeOf(mover),
      "--passphrase-file",
      passphraseFile,
      "--out",
      exported,
    );
    expectExit(run, 2);
    expect(run.stderr).to.match(/exists already; nothing was written.*--force/);
    expect(await readFile(exported, "utf8")).to.equal(before);

    // With --force it is replaced: a new salt and nonce, still 0600.
    const forced = await share(
      "export",
      mover,
      "--key-session",
      keySession,
      "--store",
      storeOf(mover),
      "--passphrase-file",
      passphraseFile,
      "--out",
      exported,
      "--force",
    );
    expectExit(forced, 0);
    const after = await readFile(exported, "utf8");
    expect(after).to.not.equal(before);
    expect(JSON.parse(after)).to.include({ keySession, party: moverIndex });
    expect((await stat(exported)).mode & 0o777).to.equal(0o600);
  });

  it("finds the party by --party-account too, and refuses an account that is no party (exit 6)", async () => {
    const base = ["share", "export", "--key-session", keySession, "--store", storeOf(mover)];
    const byAddress = await runCli(
      [
        ...base,
        "--party-account",
        mover.address,
        "--store-password-file",
        storePasswordFile,
        "--passphrase-file",
        passphraseFile,
        "--out",
        join(directory, "b-by-address.json"),
        "--json",
      ],
      chain.env,
    );
    expectExit(byAddress, 0);
    expect(jsonOf(byAddress)).to.include({ party: moverIndex, groupPublicKey: groupKey });
    const out = join(directory, "outsider-share.json");
    const notParty = await runCli(
      [...base, "--party-account", outsider.address, "--out", out],
      chain.env,
    );
    expectExit(notParty, 6);
    expect(notParty.stderr).to.include(
      `Account ${outsider.address} is not a party of key session ${keySession}`,
    );
    expect(await stat(out).catch(() => undefined)).to.equal(undefined);
  });

  it("refuses a wrong passphrase (exit 3) with a clear message, creating no store", async () => {
    const wrong = join(directory, "wrong.pw");
    await writeFile(wrong, "not the passphrase at all\n", { mode: 0o600 });
    const store = join(directory, "store-wrong-passphrase");
    const run = await share(
      "import",
      mover,
      "--file",
      exported,
      "--store",
      store,
      "--passphrase-file",
      wrong,
    );
    expectExit(run, 3);
    expect(run.stderr).to.match(/does not open with this passphrase.*Check the passphrase/);
    expect(await stat(store).catch(() => undefined)).to.equal(undefined);
  });

  it("refuses to import into another account's store (exit 6), before asking any passphrase", async () => {
    const store = join(directory, "store-outsider");
    const run = await runCli(
      ["share", "import", ...keyFlags(outsider), "--file", exported, "--store", store],
      chain.env,
    );
    expectExit(run, 6);
    expect(run.stderr).to.include(
      `party ${moverIndex}'s key share of key session ${keySession}, which is ${mover.address}, not account ${outsider.address}`,
    );
    expect(await stat(store).catch(() => undefined)).to.equal(undefined);
  });

  it("refuses a file of another chain (exit 2), naming both", async () => {
    const other = join(directory, "other-chain.json");
    const file = JSON.parse(await readFile(exported, "utf8")) as Record<string, unknown>;
    await writeFile(other, JSON.stringify({ ...file, chainId: 1 }), { mode: 0o600 });
    const run = await share(
      "import",
      mover,
      "--file",
      other,
      "--store",
      join(directory, "store-other-chain"),
      "--passphrase-file",
      passphraseFile,
    );
    expectExit(run, 2);
    expect(run.stderr).to.include(
      `holds a key share of chain 1, contract ${chain.contract}, but the connection is chain ${chain.chainId}`,
    );
  });

  it("never overwrites a different key share a store holds for that binding (exit 3)", async () => {
    const store = join(directory, "store-other-share");
    const opened = await openFileSecretStore({ directory: store, password: "store password" });
    const binding = {
      chainId: chain.chainId,
      contract: chain.contract as Address,
      sessionId: BigInt(keySession),
      party: moverIndex,
    };
    const other = new Uint8Array([1, 2, 3]);
    await opened.put(binding, KEY_SHARE_RECORD, other);
    const run = await share(
      "import",
      mover,
      "--file",
      exported,
      "--store",
      store,
      "--passphrase-file",
      passphraseFile,
    );
    expectExit(run, 3);
    expect(run.stderr).to.match(/already holds a different key share.*never overwritten/);
    expect(await opened.get(binding, KEY_SHARE_RECORD)).to.deep.equal(other);
  });

  it("imports into a fresh store, once (again is a no-op), and that store signs with another party", async function () {
    this.timeout(300_000);
    const fresh = join(directory, "store-b-laptop");
    const args = ["--file", exported, "--store", fresh, "--passphrase-file", passphraseFile];
    const run = await share("import", mover, ...args);
    expectExit(run, 0);
    expect(jsonOf(run)).to.include({
      keySession,
      party: moverIndex,
      account: mover.address,
      groupPublicKey: groupKey,
      status: "imported",
    });
    expect(await heldShare(fresh)).to.equal(await heldShare(storeOf(mover)));
    const again = await share("import", mover, ...args);
    expectExit(again, 0);
    expect(jsonOf(again).status).to.equal("unchanged");

    // The moved share signs beside party c, which signs from the store it generated its key in.
    const other = parties[2]!;
    const text = "moved share, same key";
    const created = await runCli(
      [
        "sign",
        ...keyFlags(initiator),
        "--key-session",
        keySession,
        "--signers",
        [mover, other].map((p) => p.address).join(","),
        "--text",
        text,
        "--json",
      ],
      chain.env,
    );
    expectExit(created, 0);
    const signing = jsonOf(created);
    const fingerprint = signing.sessionFingerprint as string;
    const runs = await Promise.all([
      partyRun(mover, String(signing.sessionId), fresh, fingerprint),
      partyRun(other, String(signing.sessionId), storeOf(other), fingerprint),
    ]);
    const signatures = runs.map((r) => {
      expectExit(r, 0);
      return jsonOf(r).signature as Hex;
    });
    expect(signatures[1]).to.equal(signatures[0]);
    expect(
      schnorr.verify(
        hexToBytes(signatures[0]!),
        hexToBytes(signing.message as Hex),
        hexToBytes(groupKey),
      ),
    ).to.equal(true);
    // The digest is the text's BIP-340 tagged hash, as `sign --text` documents.
    const tag = sha256(new TextEncoder().encode("Roundtable/text/v1"));
    const digest = sha256(new Uint8Array([...tag, ...tag, ...new TextEncoder().encode(text)]));
    expect(signing.message).to.equal(bytesToHex(digest));
  });
});
