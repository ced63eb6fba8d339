// The core of scripts/bench-keygen-relayed.ts at its smallest: anvil with 1-second blocks, a real
// relayer process, three parties with no ETH running their real runners through it. The core
// itself throws when the parties' keys differ from each other or from the chain's result, when a
// transaction carrying the session's actions was not the relayer's, or when a party sent one.

import { expect } from "chai";
import { benchKeygenRelayed } from "../../scripts/bench-keygen-relayed.js";

describe("bench:keygen-relayed (n = 3, 1-second blocks)", function () {
  this.timeout(90_000);

  it("finalizes a relayed key generation and accounts for its blocks, batches and gas", async () => {
    const summary = await benchKeygenRelayed({ n: 3, t: 2, blockTime: 1, runs: 1, pollMs: 200 });
    const [run] = summary.runs;
    expect(summary.runs).to.have.length(1);
    if (run === undefined) return;
    // One group key, a compressed secp256k1 point (or x-only key), as the chain recorded it.
    expect(run.groupPublicKey).to.match(/^0x[0-9a-f]{64,66}$/i);
    expect(run.blocksUsed).to.equal(run.finalizationBlock - run.creationBlock);
    expect(run.blocksUsed).to.be.greaterThanOrEqual(4);
    // Accept, round 1, round 2, agreement: each opened in a later block than the last.
    expect(run.phases.map((p) => p.phase)).to.deep.equal([
      "accept",
      "round 1",
      "round 2",
      "agreement",
    ]);
    for (const phase of run.phases) expect(phase.blocks).to.be.greaterThan(0);
    expect(run.phases.reduce((sum, p) => sum + p.blocks, 0)).to.equal(run.blocksUsed);
    // Every action went in a relayer batch: 12 actions, at most one batch per block.
    expect(run.batches.list.reduce((sum, b) => sum + b.actions, 0)).to.equal(12);
    expect(run.batches.count).to.be.within(4, run.blocksUsed);
    expect(run.batches.gas).to.equal(run.batches.list.reduce((sum, b) => sum + b.gas, 0));
    expect(run.batches.gasPerParty).to.equal(Math.round(run.batches.gas / 3));
    expect(run.relayerTransactions).to.be.at.least(run.batches.count);
    expect(BigInt(run.relayerSpentWei) > 0n).to.equal(true);
    expect(run.wallMs).to.be.greaterThan(0);
  });
});
