// The key share file (src/party/keyShareFile.ts): a real key share from an in-process FROST key
// generation, sealed under a passphrase, opened again; every field a thief or a slip could change
// is refused; and the chain check tells a share of another session or account from the right one.
import { expect } from "chai";
import { type Address, bytesToHex, type Hex } from "viem";
import {
  KeyShareFileError,
  keyShareFileBinding,
  keyShareMismatch,
  openKeyShareFile,
  sealKeyShareFile,
} from "../../src/party/keyShareFile.js";
import type { SecretBinding } from "../../src/party/secretStore.js";
import { decodeKeyShare, RFC9591_CIPHERSUITE } from "../../src/protocol/index.js";
import {
  CHAIN_ID,
  CONTRACT,
  type KeygenRun,
  runKeygen,
  sessionFixture,
} from "../protocol/helpers.js";

// The lowest cost a file opens with: a test pays ~0.1 s per seal or open, not the 2^17 of an export.
const cheap = { scryptN: 2 ** 15 } as const;
const passphrase = "correct horse battery staple";
const accounts: Address[] = [
  "0x1111111111111111111111111111111111111111",
  "0x2222222222222222222222222222222222222222",
  "0x3333333333333333333333333333333333333333",
];

function bindingOf(party: number, sessionId = 7n): SecretBinding {
  return { chainId: Number(CHAIN_ID), contract: CONTRACT, sessionId, party };
}

/** Party `index`'s (0-based) encoded key share from `run`. */
function shareOf(run: KeygenRun, index: number): Uint8Array {
  const result = run.results.get(index + 1);
  if (result === undefined) throw new Error(`no result for party ${index}`);
  return result.keyShare;
}

/** The key session as the chain records it: `run`'s group key, its parties and threshold. */
function chainOf(run: KeygenRun): { result: Hex; parties: Address[]; threshold: number } {
  return {
    result: bytesToHex(run.results.get(1)!.groupPublicKey),
    parties: accounts,
    threshold: run.fixture.threshold,
  };
}

async function expectFileError(
  promise: Promise<unknown>,
  code: KeyShareFileError["code"],
): Promise<KeyShareFileError> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(KeyShareFileError);
    expect((error as KeyShareFileError).code).to.equal(code);
    return error as KeyShareFileError;
  }
  expect.fail(`expected a KeyShareFileError ${code}`);
}

/** `text` with one JSON field replaced. */
function edited(text: string, change: (file: Record<string, unknown>) => void): string {
  const file = JSON.parse(text) as Record<string, unknown>;
  change(file);
  return JSON.stringify(file);
}

describe("key share file", () => {
  let keygen: KeygenRun;
  let otherKeygen: KeygenRun;
  let sealed: string;

  before(async () => {
    keygen = runKeygen(sessionFixture(2, 3), "share-file");
    otherKeygen = runKeygen(sessionFixture(2, 3), "another-key-session");
    sealed = await sealKeyShareFile(shareOf(keygen, 1), bindingOf(1), passphrase, cheap);
  });

  it("opens what it sealed: the same share bytes, the binding it names, the share decoded", async () => {
    expect(bytesToHex(shareOf(keygen, 1))).to.not.equal(bytesToHex(shareOf(otherKeygen, 1)));
    const opened = await openKeyShareFile(sealed, passphrase);
    expect(bytesToHex(opened.share)).to.equal(bytesToHex(shareOf(keygen, 1)));
    expect(opened.binding).to.deep.equal(bindingOf(1));
    expect(opened.keyShare.identifier).to.equal(2);
    expect(opened.keyShare.threshold).to.equal(2);
    expect(keyShareFileBinding(sealed)).to.deep.equal(bindingOf(1));
  });

  it("writes no secret in clear: neither the share, nor its signing share, nor the passphrase", () => {
    const share = decodeKeyShare(shareOf(keygen, 1));
    const text = sealed.toLowerCase();
    expect(text).to.not.include(bytesToHex(shareOf(keygen, 1)).slice(2));
    expect(text).to.not.include(bytesToHex(share.signingShare).slice(2));
    expect(sealed).to.not.include(passphrase);
    const file = JSON.parse(sealed) as Record<string, unknown>;
    expect(file).to.include({ format: "roundtable-key-share", version: 1, chainId: 31337 });
    expect(file).to.include({ keySession: "7", party: 1 });
    expect((file.kdf as { N: number }).N).to.equal(2 ** 15);
  });

  it("seals at 2^17 by default", async function () {
    this.timeout(30_000);
    const text = await sealKeyShareFile(shareOf(keygen, 0), bindingOf(0), passphrase);
    expect((JSON.parse(text) as { kdf: { N: number } }).kdf.N).to.equal(2 ** 17);
  });

  it("refuses a wrong passphrase with WRONG_PASSPHRASE, naming neither passphrase", async () => {
    const error = await expectFileError(
      openKeyShareFile(sealed, "correct horse battery stapler"),
      "WRONG_PASSPHRASE",
    );
    expect(error.message).to.match(/does not open with this passphrase/);
    expect(error.message).to.not.include("correct horse");
  });

  const bindingEdits: [string, (file: Record<string, unknown>) => void][] = [
    ["party", (file) => (file.party = 0)],
    ["keySession", (file) => (file.keySession = "8")],
    ["chainId", (file) => (file.chainId = 1)],
    ["contract", (file) => (file.contract = "0x1111111111111111111111111111111111111111")],
  ];
  for (const [field, change] of bindingEdits) {
    it(`refuses a file whose ${field} was edited with WRONG_PASSPHRASE (the binding is authenticated)`, async () => {
      const text = edited(sealed, change);
      // The edit itself is readable without the passphrase; opening is what catches it.
      expect(keyShareFileBinding(text)).to.not.deep.equal(bindingOf(1));
      await expectFileError(openKeyShareFile(text, passphrase), "WRONG_PASSPHRASE");
    });
  }

  it("refuses a file with one ciphertext byte flipped with WRONG_PASSPHRASE", async () => {
    const text = edited(sealed, (file) => {
      const hex = file.ciphertext as string;
      const at = 2 + 2 * 20;
      const flipped = (Number.parseInt(hex.slice(at, at + 2), 16) ^ 0x01).toString(16);
      file.ciphertext = `${hex.slice(0, at)}${flipped.padStart(2, "0")}${hex.slice(at + 2)}`;
    });
    expect(text).to.not.equal(sealed);
    await expectFileError(openKeyShareFile(text, passphrase), "WRONG_PASSPHRASE");
  });

  it("refuses a passphrase shorter than 8 characters with WEAK_PASSPHRASE, writing nothing", async () => {
    const error = await expectFileError(
      sealKeyShareFile(shareOf(keygen, 1), bindingOf(1), "short12", cheap),
      "WEAK_PASSPHRASE",
    );
    expect(error.message).to.match(/7 characters long: use at least 8/);
  });

  it("refuses to seal a share under another party's binding", async () => {
    const error = await expectFileError(
      sealKeyShareFile(shareOf(keygen, 1), bindingOf(2), passphrase, cheap),
      "NOT_A_SHARE",
    );
    expect(error.message).to.match(/party 1's, but the file would name party 2/);
  });

  it("refuses to seal at a scrypt cost that opening would refuse", async () => {
    let thrown: unknown;
    await sealKeyShareFile(shareOf(keygen, 1), bindingOf(1), passphrase, {
      scryptN: 2 ** 10,
    }).catch((error: unknown) => {
      thrown = error;
    });
    expect(thrown).to.be.instanceOf(RangeError);
    expect((thrown as Error).message).to.match(/scryptN 1024 is not a power of two between/);
  });

  it("refuses a file that is not JSON, or not this format, with NOT_A_FILE", async () => {
    await expectFileError(openKeyShareFile("not json at all", passphrase), "NOT_A_FILE");
    await expectFileError(openKeyShareFile("null", passphrase), "NOT_A_FILE");
    const wrongFormats: ((file: Record<string, unknown>) => void)[] = [
      (file) => (file.format = "roundtable-key-file"),
      (file) => (file.version = 2),
      (file) => (file.party = -1),
      (file) => (file.keySession = "07"),
      (file) => (file.contract = "0x1234"),
      (file) => (file.nonce = "0x00"),
      (file) => delete file.kdf,
    ];
    for (const change of wrongFormats) {
      const error = await expectFileError(
        openKeyShareFile(edited(sealed, change), passphrase),
        "NOT_A_FILE",
      );
      expect(error.message).to.match(/not a version 1 roundtable-key-share file/);
    }
    expect(() => keyShareFileBinding("[]")).to.throw(KeyShareFileError, /not a version 1/);
  });

  it("refuses a scrypt cost below 2^15 in a file before deriving anything", async () => {
    const text = edited(sealed, (file) => {
      (file.kdf as { N: number }).N = 2 ** 14;
    });
    const error = await expectFileError(openKeyShareFile(text, passphrase), "NOT_A_FILE");
    expect(error.message).to.match(/N = 16384/);
  });

  describe("keyShareMismatch: the share against the key session on chain", () => {
    it("passes the right share for its own party's account", async () => {
      const { keyShare, binding } = await openKeyShareFile(sealed, passphrase);
      expect(keyShareMismatch(keyShare, binding.party, chainOf(keygen), accounts[1]!)).to.equal(
        undefined,
      );
    });

    it("finds a share of another key session (another group key)", async () => {
      const other = decodeKeyShare(shareOf(otherKeygen, 1));
      const why = keyShareMismatch(other, 1, chainOf(keygen), accounts[1]!);
      expect(why).to.match(/group key 0x[0-9a-f]{64} is not the key session's result/);
    });

    it("finds a share of another party, or for another account", async () => {
      const { keyShare } = await openKeyShareFile(sealed, passphrase);
      expect(keyShareMismatch(keyShare, 1, chainOf(keygen), accounts[0]!)).to.match(
        /party 1's, which is 0x2222222222222222222222222222222222222222, not account 0x1111/,
      );
      const outsider = "0x4444444444444444444444444444444444444444";
      expect(keyShareMismatch(keyShare, 1, chainOf(keygen), outsider)).to.match(
        /not account 0x4444/,
      );
    });

    it("finds a key session that did not finalize, or of another threshold", async () => {
      const { keyShare } = await openKeyShareFile(sealed, passphrase);
      const chain = chainOf(keygen);
      expect(keyShareMismatch(keyShare, 1, { ...chain, result: undefined }, accounts[1]!)).to.match(
        /did not finalize/,
      );
      expect(keyShareMismatch(keyShare, 1, { ...chain, threshold: 3 }, accounts[1]!)).to.match(
        /2 of 3, the key session is 3 of 3/,
      );
    });

    it("compares the group key as the ciphersuite encodes it (RFC 9591: compressed)", () => {
      const rfc = runKeygen(sessionFixture(2, 3, RFC9591_CIPHERSUITE), "rfc9591-share-file");
      const share = decodeKeyShare(shareOf(rfc, 0));
      const chain = chainOf(rfc);
      expect(chain.result).to.match(/^0x0[23][0-9a-f]{64}$/);
      expect(keyShareMismatch(share, 0, chain, accounts[0]!)).to.equal(undefined);
      // The x-only form names the negated key too: not this session's result.
      const xOnly = `0x${chain.result.slice(4)}` as Hex;
      expect(keyShareMismatch(share, 0, { ...chain, result: xOnly }, accounts[0]!)).to.match(
        /is not the key session's result/,
      );
    });
  });
});
