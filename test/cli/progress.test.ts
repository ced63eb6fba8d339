// Progress while slow work runs: scrypt over a key file (at the cost `key new` uses) and the local
// chain's start. The lines go to stderr; with --json, stdout stays exactly one JSON object.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { expectExit, jsonOf, runCli, startCli, tempDir } from "./helpers.js";

describe("roundtable CLI: progress lines while slow work runs", function () {
  this.timeout(120_000);
  let directory: string;
  let passwordFile: string;

  before(async () => {
    directory = await tempDir("progress");
    passwordFile = join(directory, "key.pw");
    await writeFile(passwordFile, "a long enough password\n", { mode: 0o600 });
  });

  it("key new and key address say they run scrypt, on stderr; --json stdout stays one object", async () => {
    const keyFile = join(directory, "alice.json");
    const created = await runCli([
      "key",
      "new",
      "--key-file",
      keyFile,
      "--password-file",
      passwordFile,
      "--json",
    ]);
    expectExit(created, 0);
    expect(created.stderr).to.include(`Encrypting the new key into ${keyFile} (scrypt`);
    const { address } = jsonOf(created) as { address: string };
    expect(created.stdout).to.not.include("scrypt");

    const read = await runCli([
      "key",
      "address",
      "--key-file",
      keyFile,
      "--password-file",
      passwordFile,
      "--json",
    ]);
    expectExit(read, 0);
    expect(read.stderr).to.include(`Decrypting key file ${keyFile} (scrypt`);
    expect(jsonOf(read)).to.deep.equal({ address, keyFile });

    // In text mode too, and the line comes before the result.
    const text = await runCli([
      "key",
      "address",
      "--key-file",
      keyFile,
      "--password-file",
      passwordFile,
    ]);
    expectExit(text, 0);
    expect(text.stderr).to.include("Decrypting key file");
    expect(text.stdout).to.include(address).and.not.include("Decrypting");
  });

  it("a wrong password still fails with exit 3 after the progress line, and names no secret", async () => {
    const keyFile = join(directory, "alice.json");
    const wrong = join(directory, "wrong.pw");
    await writeFile(wrong, "not the password\n", { mode: 0o600 });
    const run = await runCli(["key", "address", "--key-file", keyFile, "--password-file", wrong]);
    expectExit(run, 3);
    expect(run.stderr).to.include("Decrypting key file");
    expect(run.stderr).to.include("Wrong password").and.not.include("not the password");
  });

  it("roundtable chain says what it waits for while the node starts; --json stdout is one object", async () => {
    const deploymentsDir = await tempDir("progress-chain");
    const running = startCli(["chain", "--port", "0", "--json"], {
      ROUNDTABLE_DEPLOYMENTS_DIR: deploymentsDir,
    });
    let stderr = "";
    running.child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    try {
      const ready = JSON.parse(await running.firstLine) as { rpcUrl: string };
      expect(stderr).to.match(
        /hardhat node launched \(pid \d+\); waiting for its RPC at http:\/\/127\.0\.0\.1:\d+ \(up to 60 s\) …/,
      );
      expect(stderr).to.match(/hardhat node answers after [\d.]+ s; deploying Roundtable …/);
      // In that order, and the RPC named is the one printed.
      expect(stderr.indexOf("launched")).to.be.lessThan(stderr.indexOf("answers after"));
      expect(stderr).to.include(ready.rpcUrl);
    } finally {
      running.child.kill("SIGTERM");
      await running.exit;
    }
  });
});
