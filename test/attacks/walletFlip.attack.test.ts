// Attack: a contract-wallet party (ERC-1271) disowns its own action after the contract accepted
// it, by making its wallet refuse every signature from then on: in the same transaction (a call of
// its own that lands the action, then flips the wallet) or in a later transaction of the same
// block. A runner that asked the wallet again at the end of the block took the action for a
// forgery and stopped (UNTRUSTED_READ); the session then expired and blamed the honest parties,
// who had not acted. Runners now take the verdict the contract acted on, from the transaction's
// call trace, so they go on and the wallet party alone is blamed. Real runners on anvil.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  type Abi,
  type Address,
  createPublicClient,
  custom,
  encodeFunctionData,
  getAddress,
  type Hash,
  type Hex,
  hashTypedData,
  zeroAddress,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { newEncryptionSecretKey } from "../../src/party/acceptance.js";
import { openFileSecretStore } from "../../src/party/fileSecretStore.js";
import { type PartyOutcome, runParty } from "../../src/party/runParty.js";
import { readSessionView } from "../../src/party/sessionView.js";
import { secureRandom } from "../../src/protocol/index.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../../src/sdk/actions/internal.js";
import { actionTypedData, encodeAcceptData, roundtableDomain } from "../../src/sdk/eip712.js";
import { proveEncryptionKey } from "../../src/sdk/encryptionKeyProof.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { hashSessionConfig } from "../../src/sdk/hashSessionConfig.js";
import { DEFAULT_ROUND_DURATION, keygenConfig } from "../../src/sdk/protocolIds.js";
import { signAction } from "../../src/sdk/signAction.js";
import { ActionType, type SignedAction } from "../../src/sdk/types.js";
import {
  type CallTraces,
  type ReportedAction,
  verifyActionOrigin,
} from "../../src/sdk/verifyActionOrigin.js";
import { auditAll, failedChecks } from "../auditor/helpers.js";
import {
  type Anvil,
  deployRoundtableOnAnvil,
  developmentMnemonic,
  startAnvil,
} from "../helpers/anvil.js";
import { jsonRpc } from "../helpers/jsonRpc.js";

type Member = { address: Address; walletClient: RoundtableWalletClient };

/** `hex` with the first hex digit of byte `at` changed. */
function flipNibble(hex: Hex, at: number): Hex {
  const i = 2 + 2 * at;
  return `${hex.slice(0, i)}${hex[i] === "0" ? "1" : "0"}${hex.slice(i + 1)}` as Hex;
}

/** A frame of `callTracer`'s answer, as the test rewrites it. */
type Frame = {
  type?: string;
  from?: string;
  to?: string;
  input?: Hex;
  output?: Hex;
  error?: string;
  calls?: Frame[];
};

/** RefuseAfterActingWallet's answer once it refuses (not ERC-1271's magic value 0x1626ba7e). */
const REFUSED = "0xffffffff";

/** An honest runner's stop, as the error the test reports: its code and message. */
function stoppedRunner(error: unknown): Error {
  const { code, shortMessage } = error as { code?: string; shortMessage?: string };
  return new Error(`an honest runner stopped: ${code ?? "?"}: ${shortMessage ?? String(error)}`);
}

describe("Attack › a wallet party disowns its own action by flipping its ERC-1271 answer", function () {
  this.timeout(180_000);
  let anvil: Anvil;
  let contract: Address;
  let walletArtifact: { abi: Abi; bytecode: Hex };
  let honest: Member[];
  /** The wallet's owner: a funded development account, which sends the wallet's transactions. */
  const owner = mnemonicToAccount(developmentMnemonic, { addressIndex: 5 });
  const ownerClient = () => anvil.walletClient(5);
  const directories: string[] = [];
  const stop = new AbortController();
  const publicClient = () => anvil.publicClient as unknown as RoundtablePublicClient;

  before(async () => {
    anvil = await startAnvil();
    ({ address: contract } = await deployRoundtableOnAnvil(anvil));
    walletArtifact = JSON.parse(
      await readFile(
        "artifacts/contracts/mocks/RefuseAfterActingWallet.sol/RefuseAfterActingWallet.json",
        "utf8",
      ),
    ) as { abi: Abi; bytecode: Hex };
    honest = [2, 3].map((index) => ({
      address: mnemonicToAccount(developmentMnemonic, { addressIndex: index }).address,
      walletClient: anvil.walletClient(index) as unknown as RoundtableWalletClient,
    }));
  });

  after(async () => {
    stop.abort(new Error("tests ended"));
    await anvil?.stop();
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  async function deployWallet(): Promise<Address> {
    const hash = await ownerClient().deployContract({
      abi: walletArtifact.abi,
      bytecode: walletArtifact.bytecode,
      args: [owner.address],
    });
    const receipt = await publicClient().waitForTransactionReceipt({ hash });
    return getAddress(receipt.contractAddress as Address);
  }

  /** A key generation of the two honest members and `wallet`, parties in ascending order. */
  async function newSession(wallet: Address): Promise<{ sessionId: bigint; parties: Address[] }> {
    const parties = [wallet, ...honest.map((m) => m.address)].sort((x, y) =>
      BigInt(x) < BigInt(y) ? -1 : 1,
    );
    const { sessionId } = await createSession({
      publicClient: publicClient(),
      walletClient: anvil.walletClient(1) as unknown as RoundtableWalletClient,
      address: contract,
      config: keygenConfig({ parties, threshold: 2 }),
    });
    return { sessionId, parties };
  }

  /** The wallet party's acceptance, approved by the wallet's owner (what its isValidSignature checks). */
  function walletAcceptance(sessionId: bigint, parties: Address[], wallet: Address) {
    const party = parties.indexOf(wallet);
    return signAction({
      account: owner,
      chainId: anvil.chain.id,
      contract,
      action: {
        action: ActionType.Accept,
        sessionId,
        party,
        round: 0,
        accused: 0,
        word: hashSessionConfig(keygenConfig({ parties, threshold: 2 })),
        data: encodeAcceptData({
          ...proveEncryptionKey({
            secretKey: newEncryptionSecretKey(secureRandom),
            chainId: anvil.chain.id,
            contract,
            sessionId,
            party,
          }),
          delegate: zeroAddress,
        }),
      },
    });
  }

  const applySignedCall = (action: SignedAction): Hex =>
    encodeFunctionData({ abi: roundtableAbi, functionName: "applySigned", args: [action] });

  /** The owner sends `functionName(args)` to the wallet and waits for it. */
  async function ownerCalls(
    wallet: Address,
    functionName: string,
    args: readonly unknown[],
  ): Promise<Hash> {
    const hash = await ownerClient().writeContract({
      address: wallet,
      abi: walletArtifact.abi,
      functionName,
      args,
    });
    const receipt = await publicClient().waitForTransactionReceipt({ hash });
    expect(receipt.status, `${functionName} on the wallet`).to.equal("success");
    return hash;
  }

  /** The wallet's answer to isValidSignature for `signed`: now, or at the end of `blockNumber`. */
  async function walletVerdict(
    wallet: Address,
    signed: SignedAction,
    blockNumber?: bigint,
  ): Promise<Hex> {
    const digest = hashTypedData(
      actionTypedData(roundtableDomain(anvil.chain.id, contract), signed),
    );
    return (await publicClient().readContract({
      address: wallet,
      abi: walletArtifact.abi,
      functionName: "isValidSignature",
      args: [digest, signed.signature],
      blockNumber,
    })) as Hex;
  }

  function sessionState(sessionId: bigint) {
    return publicClient().readContract({
      address: contract,
      abi: roundtableAbi,
      functionName: "sessionState",
      args: [sessionId],
    });
  }

  /** Resolves once `check` holds; fails after `timeoutMs`, or as soon as `check` throws. */
  async function until(
    check: () => Promise<boolean>,
    what: string,
    timeoutMs = 60_000,
  ): Promise<void> {
    const start = Date.now();
    while (!(await check())) {
      if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function newStore() {
    const directory = await mkdtemp(join(tmpdir(), "roundtable-wallet-flip-"));
    directories.push(directory);
    return openFileSecretStore({
      directory,
      password: "test",
      scryptN: 2 ** 10,
      allowWeakKdf: true,
    });
  }

  /** The session's acceptance of `party`, as a runner reads it from the chain. */
  async function acceptanceOf(sessionId: bigint, party: number): Promise<ReportedAction> {
    const view = await readSessionView({
      publicClient: publicClient(),
      address: contract,
      sessionId,
      account: zeroAddress,
    });
    const action = view.actions.find((a) => a.kind === "accept" && a.party === party);
    if (action === undefined) throw new Error(`party ${party} has no acceptance on chain`);
    return action;
  }

  it("cannot stop the honest runners: they go on past the disowned acceptance, and at expiry only the wallet party is blamed", async () => {
    const wallet = await deployWallet();
    const { sessionId, parties } = await newSession(wallet);
    const walletIndex = parties.indexOf(wallet);
    // The wallet lands its acceptance and starts refusing, in one transaction of its own.
    const signed = await walletAcceptance(sessionId, parties, wallet);
    const landed = await ownerCalls(wallet, "applyThenRefuse", [contract, applySignedCall(signed)]);
    expect(await walletVerdict(wallet, signed), "the wallet disowns its acceptance").to.equal(
      REFUSED,
    );
    expect((await acceptanceOf(sessionId, walletIndex)).transactionHash).to.equal(landed);

    // The honest members run as usual: accept, play round 1, then wait for the wallet party.
    const stores = await Promise.all(honest.map(() => newStore()));
    const failures: unknown[] = [];
    const runs = honest.map((m, i) =>
      runParty({
        publicClient: publicClient(),
        walletClient: m.walletClient,
        address: contract,
        sessionId,
        store: stores[i]!,
        confirm: async () => true,
        pollingInterval: 50,
        signal: stop.signal,
      }).catch((error: unknown) => {
        failures.push(error);
        return error;
      }),
    );
    const honestMask = honest.reduce(
      (mask, m) => mask | (1n << BigInt(parties.indexOf(m.address))),
      0n,
    );
    await until(async () => {
      if (failures.length > 0) throw stoppedRunner(failures[0]);
      const state = await sessionState(sessionId);
      return state.round === 1 && (state.acted & honestMask) === honestMask;
    }, "both honest members to act in round 1");
    // The wallet party stays silent. Past round 1's deadline the waiting runners expire the session.
    await jsonRpc(anvil.rpcUrl, "evm_increaseTime", [DEFAULT_ROUND_DURATION + 1]);
    await anvil.mine();
    const outcomes = await Promise.all(runs);
    if (failures.length > 0) throw stoppedRunner(failures[0]);
    for (const outcome of outcomes as PartyOutcome[]) {
      expect(outcome).to.deep.include({
        status: "aborted",
        reason: "expired",
        blame: [walletIndex],
      });
    }

    // The auditor, from the chain alone, blames the wallet party alone too.
    const [audit] = await auditAll({
      rpcUrls: [anvil.rpcUrl],
      contract,
      selection: { kind: "ids", ids: [sessionId] },
    });
    if (audit === undefined) expect.fail("the auditor found no session");
    expect(audit.verdict).to.equal("pass");
    expect(failedChecks(audit)).to.deep.equal([]);
    expect(audit.outcome).to.deep.include({ status: "aborted", blame: [walletIndex] });
    expect(audit.findings.map((f) => f.party)).to.deep.equal([walletIndex]);
  });

  describe("flipped in a later transaction of the same block", () => {
    let wallet: Address;
    let sessionId: bigint;
    let acceptance: ReportedAction;
    let signed: SignedAction;

    before(async () => {
      wallet = await deployWallet();
      const session = await newSession(wallet);
      sessionId = session.sessionId;
      const { parties } = session;
      signed = await walletAcceptance(sessionId, parties, wallet);
      // Both transactions in one block: the acceptance (anyone may send it), then the flip.
      await jsonRpc(anvil.rpcUrl, "evm_setAutomine", [false]);
      let hashes: Hash[];
      try {
        const landing = await ownerClient().sendTransaction({
          to: contract,
          data: applySignedCall(signed),
        });
        const flipping = await ownerClient().writeContract({
          address: wallet,
          abi: walletArtifact.abi,
          functionName: "setRefusing",
          args: [true],
        });
        hashes = [landing, flipping];
        await anvil.mine();
      } finally {
        await jsonRpc(anvil.rpcUrl, "evm_setAutomine", [true]);
      }
      const receipts = await Promise.all(
        hashes.map((hash) => publicClient().waitForTransactionReceipt({ hash })),
      );
      expect(receipts.map((r) => r.status)).to.deep.equal(["success", "success"]);
      expect(receipts[0]!.blockNumber).to.equal(receipts[1]!.blockNumber);
      expect(receipts[0]!.transactionIndex).to.be.lessThan(receipts[1]!.transactionIndex);
      acceptance = await acceptanceOf(sessionId, parties.indexOf(wallet));
      expect(acceptance.transactionHash).to.equal(hashes[0]);
    });

    /**
     * A client of the same node that records each method asked. `traces: false` refuses to trace;
     * `alter` rewrites the wallet's frame in the trace (the contract's staticcall to `target`,
     * the flipping wallet unless given).
     */
    function clientOfNode(
      calls: string[],
      {
        traces = true,
        alter,
        target = wallet,
      }: {
        traces?: boolean;
        alter?: (frame: Frame, parent: Frame) => void;
        target?: Address;
      } = {},
    ): RoundtablePublicClient {
      return createPublicClient({
        chain: anvil.chain,
        transport: custom({
          async request({ method, params }: { method: string; params?: unknown }) {
            calls.push(method);
            if (method === "debug_traceTransaction" && !traces) {
              throw Object.assign(new Error("the method debug_traceTransaction does not exist"), {
                code: -32601,
              });
            }
            const result = await jsonRpc(anvil.rpcUrl, method, (params ?? []) as unknown[]);
            if (method === "debug_traceTransaction" && alter !== undefined) {
              const visit = (frame: Frame) => {
                for (const child of frame.calls ?? []) {
                  if (child.to?.toLowerCase() === target.toLowerCase()) alter(child, frame);
                  visit(child);
                }
              };
              visit(result as Frame);
            }
            return result;
          },
        }),
      }) as unknown as RoundtablePublicClient;
    }

    const verify = (client: RoundtablePublicClient, traces?: CallTraces) =>
      verifyActionOrigin({
        publicClient: client,
        chainId: anvil.chain.id,
        contract,
        sessionId,
        action: acceptance,
        traces,
      });

    it("is still the wallet's: the verdict the contract acted on is read from the call trace", async () => {
      // Asked again at the end of the block, the wallet refuses its own acceptance.
      expect(await walletVerdict(wallet, signed, acceptance.blockNumber)).to.equal(REFUSED);
      expect(await verify(publicClient())).to.deep.equal({
        route: "applySigned",
        signer: wallet,
        by: "erc1271",
      });
    });

    it("is traced once per transaction, however many checks share one read", async () => {
      const calls: string[] = [];
      const traces: CallTraces = new Map();
      const client = clientOfNode(calls);
      const verdicts = await Promise.all([verify(client, traces), verify(client, traces)]);
      for (const verdict of verdicts) expect(verdict).to.deep.include({ by: "erc1271" });
      expect(calls.filter((m) => m === "debug_traceTransaction")).to.have.length(1);
      expect(calls).to.not.include("eth_call");
    });

    it("is not the wallet's when the trace's wallet frame is not the contract's successful staticcall answering the magic value", async () => {
      const stranger = mnemonicToAccount(developmentMnemonic, { addressIndex: 7 }).address;
      const alterations: Record<string, (frame: Frame, parent: Frame) => void> = {
        "asked by another contract": (frame) => {
          frame.from = stranger;
        },
        "a CALL, not a STATICCALL": (frame) => {
          frame.type = "CALL";
        },
        // isValidSignature(bytes32 digest, bytes signature): the digest from byte 4, the
        // signature's bytes from byte 100 (after its offset and length words).
        "another digest": (frame) => {
          frame.input = flipNibble(frame.input!, 4);
        },
        "another signature": (frame) => {
          frame.input = flipNibble(frame.input!, 100);
        },
        "another answer": (frame) => {
          frame.output = `0xffffffff${frame.output!.slice(10)}` as Hex;
        },
        "an answer shorter than a word": (frame) => {
          frame.output = "0x1626ba7e";
        },
        "a failed call": (frame) => {
          frame.error = "out of gas";
        },
        "inside a reverted call": (_frame, parent) => {
          parent.error = "execution reverted";
        },
      };
      // The unaltered trace verifies (the control), so each refusal below is the alteration's.
      expect(await verify(clientOfNode([]))).to.deep.include({ by: "erc1271" });
      for (const [what, alter] of Object.entries(alterations)) {
        const calls: string[] = [];
        const verdict = await verify(clientOfNode(calls, { alter }));
        expect(verdict, what).to.have.property("verified", false);
        expect((verdict as { reason: string }).reason, what).to.include(
          `shows no successful isValidSignature call from the contract to ${wallet}`,
        );
        // The wallet is asked again (a quorum's answer, not one provider's trace); it refuses now.
        expect(calls, what).to.include("eth_call");
      }
    });

    it("without a tracing provider, is left unverified, saying that a provider with debug_traceTransaction settles it", async () => {
      const calls: string[] = [];
      const verdict = await verify(clientOfNode(calls, { traces: false }));
      expect(verdict).to.have.property("verified", false);
      const { reason } = verdict as { reason: string };
      expect(reason).to.include(acceptance.transactionHash);
      expect(reason).to.include(`end of block ${acceptance.blockNumber}`);
      expect(reason).to.include("debug_traceTransaction, which this provider does not serve");
      expect(calls).to.include("eth_call");
    });

    /** A wallet that never flips, whose acceptance landed through applySigned. */
    async function steadyAcceptance() {
      const steady = await deployWallet();
      const { sessionId, parties } = await newSession(steady);
      const hash = await ownerClient().sendTransaction({
        to: contract,
        data: applySignedCall(await walletAcceptance(sessionId, parties, steady)),
      });
      await publicClient().waitForTransactionReceipt({ hash });
      return { steady, sessionId, action: await acceptanceOf(sessionId, parties.indexOf(steady)) };
    }

    it("without a tracing provider, still verifies a wallet that did not flip, asking it at the block (the control)", async () => {
      const { steady, sessionId, action } = await steadyAcceptance();
      const calls: string[] = [];
      const verdict = await verifyActionOrigin({
        publicClient: clientOfNode(calls, { traces: false }),
        chainId: anvil.chain.id,
        contract,
        sessionId,
        action,
      });
      expect(verdict).to.deep.equal({ route: "applySigned", signer: steady, by: "erc1271" });
      expect(calls).to.include.members(["debug_traceTransaction", "eth_call"]);
    });

    it("a provider serving a trace without the wallet's verdict cannot stop the runner on a wallet that still agrees", async () => {
      const { steady, sessionId, action } = await steadyAcceptance();
      const calls: string[] = [];
      const verdict = await verifyActionOrigin({
        publicClient: clientOfNode(calls, {
          alter: (frame) => {
            frame.output = `0xffffffff${frame.output!.slice(10)}` as Hex;
          },
          target: steady,
        }),
        chainId: anvil.chain.id,
        contract,
        sessionId,
        action,
      });
      expect(verdict).to.deep.equal({ route: "applySigned", signer: steady, by: "erc1271" });
      expect(calls).to.include.members(["debug_traceTransaction", "eth_call"]);
    });
  });
});
