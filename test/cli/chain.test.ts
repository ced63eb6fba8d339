import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { type Address, createPublicClient, getAddress, http } from "viem";
import type { DeploymentRecord } from "../../src/sdk/deployments.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { closedPort, expectExit, runCli, startCli, tempDir } from "./helpers.js";

async function answers(rpcUrl: string): Promise<boolean> {
  try {
    await createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) }).getChainId();
    return true;
  } catch {
    return false;
  }
}

describe("roundtable CLI", () => {
  describe("chain", () => {
    let deploymentsDir: string;
    let running: ReturnType<typeof startCli>;
    let ready: { rpcUrl: string; chainId: number; contract: Address; deploymentBlock: number };

    before(async () => {
      deploymentsDir = await tempDir("chain");
      running = startCli(["chain", "--port", "0", "--json"], {
        ROUNDTABLE_DEPLOYMENTS_DIR: deploymentsDir,
      });
      ready = JSON.parse(await running.firstLine) as typeof ready;
    });

    after(async () => {
      if (running.child.exitCode === null) {
        running.child.kill("SIGTERM");
        await running.exit;
      }
    });

    it("prints one JSON object { rpcUrl, chainId, contract, deploymentBlock }", () => {
      expect(Object.keys(ready).sort()).to.deep.equal(
        ["chainId", "contract", "deploymentBlock", "rpcUrl"].sort(),
      );
      expect(ready.rpcUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(ready.chainId).to.equal(31337);
      expect(ready.contract).to.equal(getAddress(ready.contract));
      expect(ready.deploymentBlock).to.be.a("number").and.be.greaterThan(0);
    });

    it("deploys Roundtable at the printed address", async () => {
      const client = createPublicClient({ transport: http(ready.rpcUrl) });
      const code = await client.getCode({ address: ready.contract });
      expect(code?.length ?? 0).to.be.greaterThan(2);
      const count = await client.readContract({
        address: ready.contract,
        abi: roundtableAbi,
        functionName: "sessionCount",
      });
      expect(count).to.equal(0n);
    });

    it("records the deployment in <deployments-dir>/<chainId>.json", async () => {
      const record = JSON.parse(
        await readFile(join(deploymentsDir, "31337.json"), "utf8"),
      ) as DeploymentRecord;
      expect(record).to.include({
        chainId: 31337,
        address: ready.contract,
        deploymentBlock: ready.deploymentBlock,
        network: "localhost",
      });
      expect(record.blockHash).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("refuses a port that is taken, naming it (exit 2)", async () => {
      const port = new URL(ready.rpcUrl).port;
      const run = await runCli(["chain", "--port", port], {
        ROUNDTABLE_DEPLOYMENTS_DIR: deploymentsDir,
      });
      expectExit(run, 2);
      expect(run.stderr).to.include(`error: Cannot listen on 127.0.0.1:${port}`);
      expect(run.stderr).to.include("pass --port with another port");
    });

    it("stops the node on SIGTERM and exits 0", async () => {
      running.child.kill("SIGTERM");
      expect(await running.exit).to.equal(0);
      expect(await answers(ready.rpcUrl)).to.equal(false);
    });
  });

  describe("an unreachable RPC", () => {
    it("exits 4 and says how to start a chain", async () => {
      const port = await closedPort();
      const run = await runCli(["session", "show", "1", "--rpc-url", `http://127.0.0.1:${port}`]);
      expectExit(run, 4);
      expect(run.stderr).to.match(
        new RegExp(
          `^error: Cannot reach the chain at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\. Start one with \`roundtable chain\` or pass --rpc-url\\.\\n$`,
        ),
      );
      expect(run.stdout).to.equal("");
    });

    it("with --json, prints the error as the one object on stdout", async () => {
      const port = await closedPort();
      const run = await runCli([
        "session",
        "show",
        "1",
        "--json",
        "--rpc-url",
        `http://127.0.0.1:${port}`,
      ]);
      expectExit(run, 4);
      const lines = run.stdout.trim().split("\n");
      expect(lines).to.have.length(1);
      const { error } = JSON.parse(lines[0] ?? "") as {
        error: { exitCode: number; retryable: boolean; message: string };
      };
      expect(error.exitCode).to.equal(4);
      expect(error.retryable).to.equal(true);
      expect(error.message).to.include(`Cannot reach the chain at http://127.0.0.1:${port}`);
    });
  });
});
