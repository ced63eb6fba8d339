// The batch packing (src/sdk/batchCall.ts) against the contract's own reading of it: the same
// bytes decoded by viem after the contract ran them (its events name each item's session and
// party), a round trip for any action, and the malformed packings the contract reverts refused
// here too. The relayer builds batches with packBatchItems; the runner and the auditor read them
// back with unpackBatchItems, so the two must agree on every byte.
import { expect } from "chai";
import fc from "fast-check";
import { encodeFunctionData, type Hex, parseAbi, size, zeroHash } from "viem";
import {
  type BatchItem,
  batchItemProblem,
  encodeBatchCall,
  findPackedItems,
  packBatchItems,
  unpackBatchItems,
} from "../../src/sdk/batchCall.js";
import { decodeRoundtableCall } from "../../src/sdk/roundtableCalls.js";
import { ActionType, type SignedAction } from "../../src/sdk/types.js";

const bytes = (max: number) =>
  fc.uint8Array({ maxLength: max }).map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex);

const action: fc.Arbitrary<BatchItem> = fc
  .record({
    action: fc.constantFrom(
      ActionType.Accept,
      ActionType.Commit,
      ActionType.Submit,
      ActionType.Complain,
    ),
    sessionId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    party: fc.integer({ min: 0, max: 255 }),
    round: fc.integer({ min: 0, max: 255 }),
    accused: fc.integer({ min: 0, max: 255 }),
    word: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    data: bytes(300),
    signature: bytes(200),
    // A wallet allowance in whole units, or none (the most).
    walletUnits: fc.integer({ min: 0, max: 62 }),
  })
  .map(({ walletUnits, ...a }) => {
    const carriesWord = a.action === ActionType.Accept || a.action === ActionType.Commit;
    return {
      ...a,
      ...(walletUnits === 0 ? {} : { walletGas: walletUnits * 8_000 }),
      // Only acceptances and commitments carry the word; the others' is zero by definition.
      word: carriesWord ? (`0x${Buffer.from(a.word).toString("hex")}` as Hex) : zeroHash,
      // A commitment's only content is its word.
      data: a.action === ActionType.Commit ? "0x" : a.data,
    };
  });

describe("batch packing (src/sdk/batchCall.ts)", () => {
  it("reads back every action it packs, in order", () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 8 }), (actions) => {
        expect(unpackBatchItems(packBatchItems(actions))).to.deep.equal(actions);
      }),
      { numRuns: 300 },
    );
  });

  it("packs with no padding: a head of 16 bytes, the word only where it means something", () => {
    const signature = `0x${"11".repeat(65)}` as Hex;
    const submit: SignedAction = {
      action: ActionType.Submit,
      sessionId: 7n,
      party: 2,
      round: 1,
      accused: 0,
      word: zeroHash,
      data: "0xabcdef",
      signature,
    };
    const packed = packBatchItems([submit]);
    expect(size(packed)).to.equal(16 + 3 + 65);
    // action 2, party 2, round 1, accused 0, session 7 (8 bytes), data 3 bytes, signature 65 bytes
    expect(packed.slice(2, 34)).to.equal("02020100000000000000000700030041");
    expect(packed.slice(34, 40)).to.equal("abcdef");
    const accept = { ...submit, action: ActionType.Accept, word: `0x${"22".repeat(32)}` as Hex };
    expect(size(packBatchItems([accept]))).to.equal(16 + 32 + 3 + 65);
  });

  it("refuses malformed packings as the contract does, naming where", () => {
    const one: SignedAction = {
      action: ActionType.Submit,
      sessionId: 1n,
      party: 0,
      round: 1,
      accused: 0,
      word: zeroHash,
      data: "0x01",
      signature: `0x${"33".repeat(65)}`,
    };
    const packed = packBatchItems([one, one]);
    const second = 16 + 1 + 65;
    expect(() => unpackBatchItems(packed.slice(0, 2 + 2 * 15) as Hex)).to.throw(
      /byte 0 is cut short/,
    );
    expect(() => unpackBatchItems(packed.slice(0, 2 + 2 * (second + 20)) as Hex)).to.throw(
      new RegExp(`byte ${second} runs past the end`),
    );
    expect(() => unpackBatchItems(`${packed}00`)).to.throw(new RegExp(`byte ${2 * second}`));
  });

  it("carries a wallet allowance in the first byte's six high bits, in units of 8,000 gas", () => {
    const item: SignedAction = {
      action: ActionType.Submit,
      sessionId: 7n,
      party: 3,
      round: 1,
      accused: 0,
      word: zeroHash,
      data: "0x01",
      signature: `0x${"33".repeat(65)}`,
    };
    const firstByte = (walletGas: number | undefined) =>
      packBatchItems([{ ...item, walletGas }]).slice(2, 4);
    expect(firstByte(undefined)).to.equal("02");
    expect(firstByte(8_000)).to.equal((2 | (1 << 2)).toString(16).padStart(2, "0"));
    // Rounded up: an allowance is never less than asked.
    expect(firstByte(8_001)).to.equal((2 | (2 << 2)).toString(16).padStart(2, "0"));
    expect(firstByte(62 * 8_000)).to.equal((2 | (62 << 2)).toString(16));
    // 500,000 or more is the most, which is the default: no bits.
    expect(firstByte(495_999 + 8_000)).to.equal("02");
    expect(firstByte(10_000_000)).to.equal("02");
    expect(unpackBatchItems(packBatchItems([{ ...item, walletGas: 20_000 }]))[0]).to.deep.equal({
      ...item,
      walletGas: 24_000,
    });
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => packBatchItems([{ ...item, walletGas: bad }])).to.throw(
        new RegExp(`Batch item 0: walletGas ${bad} is not a positive whole amount of gas`),
      );
    }
  });

  it("says which action cannot be packed instead of truncating it", () => {
    const big: SignedAction = {
      action: ActionType.Submit,
      sessionId: 2n ** 64n,
      party: 0,
      round: 1,
      accused: 0,
      word: zeroHash,
      data: "0x01",
      signature: "0x01",
    };
    expect(batchItemProblem(big)).to.match(/session id 18446744073709551616/);
    expect(() => packBatchItems([big])).to.throw(/Batch item 0: session id/);
    const long = { ...big, sessionId: 1n, signature: `0x${"00".repeat(65_536)}` as Hex };
    expect(batchItemProblem(long)).to.match(/signature of 65536 bytes/);
  });

  it("is what the runner and the auditor decode from a batch transaction", () => {
    const contract = "0x00000000000000000000000000000000000000aa";
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 4 }), (actions) => {
        const decoded = decodeRoundtableCall(
          { to: contract, input: encodeBatchCall(actions) },
          contract,
        );
        expect(decoded).to.deep.equal({ kind: "signed", route: "batch", items: actions });
      }),
      { numRuns: 100 },
    );
    const broken = `${encodeBatchCall([]).slice(0, 10)}${"00".repeat(31)}20${"00".repeat(31)}03abcdef${"00".repeat(29)}`;
    expect(decodeRoundtableCall({ to: contract, input: broken as Hex }, contract)).to.deep.equal({
      kind: "other",
    });
  });

  it("finds an action's packed items inside another call's calldata, as a forwarder carries them", () => {
    const forwarder = parseAbi(["function execute(address to, bytes data)"]);
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 4 }), fc.nat(), (actions, pick) => {
        const target = actions[pick % actions.length]!;
        const outer = encodeFunctionData({
          abi: forwarder,
          functionName: "execute",
          args: ["0x00000000000000000000000000000000000000aa", encodeBatchCall(actions)],
        });
        const found = findPackedItems(outer, target);
        // The item itself is among what is found (others sharing its head may be too: the caller
        // keeps the one whose signature checks out).
        expect(found).to.deep.include(target);
        for (const item of found) {
          expect([item.action, item.sessionId, item.party, item.round, item.accused]).to.deep.equal(
            [target.action, target.sessionId, target.party, target.round, target.accused],
          );
        }
      }),
      { numRuns: 200 },
    );
    expect(
      findPackedItems("0x", { action: 2, sessionId: 1n, party: 0, round: 1, accused: 0 }),
    ).to.deep.equal([]);
  });
});
