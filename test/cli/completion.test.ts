// `roundtable completion`: the scripts come from the commands' own specs, and bash really
// completes with the generated function (sourced into a real bash, driven by COMP_WORDS and
// COMP_LINE as bash's programmable completion sets them).
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { globalOptions, type OptionSpecs } from "../../src/cli/command.js";
import { commands } from "../../src/cli/main.js";
import { jsonOf, runCli } from "./helpers.js";

const run = promisify(execFile);

describe("roundtable completion", function () {
  this.timeout(60_000);
  let script = "";
  let dir = "";

  before(async () => {
    const result = await runCli(["completion", "bash"]);
    expect(result.code, result.stderr).to.equal(0);
    script = result.stdout;
    dir = await mkdtemp(join(tmpdir(), "roundtable-completion-"));
    await writeFile(join(dir, "completion.bash"), script);
    await writeFile(join(dir, "alice.json"), "{}");
    await writeFile(join(dir, "alpha.pw"), "x");
  });

  /** What bash offers for the line `typed` (the cursor at its end), through `_roundtable`. */
  async function complete(typed: string): Promise<string[]> {
    // COMP_WORDS as bash splits it (blanks, and its word breaks such as ':' and '=').
    const words = typed.split(/\s+/).filter((w, i, all) => w !== "" || i === all.length - 1);
    const program = [
      `source ${JSON.stringify(join(dir, "completion.bash"))}`,
      `COMP_LINE=${JSON.stringify(typed)}`,
      `COMP_POINT=${typed.length}`,
      `COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(" ")})`,
      `COMP_CWORD=${words.length - 1}`,
      "_roundtable",
      `printf "%s\\n" "\${COMPREPLY[@]}"`,
    ].join("\n");
    const { stdout } = await run("bash", ["--norc", "--noprofile", "-c", program]);
    return stdout.split("\n").filter((line) => line !== "");
  }

  it("the bash script names every command and every flag of each, from the specs", () => {
    for (const command of commands) {
      const words = command.path.join(" ");
      const line = script
        .split("\n")
        .find((l) => l.trimStart().startsWith(`'${words}' |`) && l.includes("flags='"));
      expect(line, `case for ${words}`).to.be.a("string");
      const options: OptionSpecs = { ...globalOptions, ...command.options };
      for (const name of Object.keys(options)) {
        expect(line!.split("flags='")[1]!.split("'")[0]!.split(" "), words).to.include(`--${name}`);
      }
    }
    // The command of this very script is listed, as is a command's group word.
    expect(script).to.match(/''\) subs='[^']*\bcompletion\b/);
    expect(script).to.match(/'session'\) subs='create show watch list expire cancel'/);
  });

  it("a flag that takes a value means the same kind of value in every command that has it", () => {
    // The script completes a value by the flag's name (a file for PATH, a directory for DIR,
    // choices), so one name must not mean a file here and a directory there.
    const kinds = new Map<string, Set<string>>();
    for (const options of [globalOptions, ...commands.map((c) => c.options)] as OptionSpecs[]) {
      for (const [name, spec] of Object.entries(options)) {
        if (spec.type !== "string") continue;
        const kind =
          spec.choices?.join(",") ??
          (["PATH", "FILE", "DIR"].includes(spec.valueName ?? "") ? spec.valueName! : "other");
        kinds.set(name, (kinds.get(name) ?? new Set()).add(kind));
      }
    }
    const mixed = [...kinds].filter(([, set]) => set.size > 1).map(([name]) => name);
    expect(mixed).to.deep.equal([]);
  });

  it("bash completes command words, group words and flags", async () => {
    expect(await complete("roundtable ses")).to.deep.equal(["session"]);
    expect(await complete("roundtable ")).to.include.members(["chain", "party", "completion"]);
    expect(await complete("roundtable session ")).to.deep.equal([
      "create",
      "show",
      "watch",
      "list",
      "expire",
      "cancel",
    ]);
    expect(await complete("roundtable session create --thr")).to.deep.equal(["--threshold"]);
    expect(await complete("roundtable --js")).to.deep.equal(["--json"]);
    expect(await complete("roundtable --ver")).to.deep.equal(["--version"]);
    // A command's own flags are not offered to another command.
    expect(await complete("roundtable chain --thr")).to.deep.equal([]);
  });

  it("bash skips flag values (a URL with ':' included) to find the command", async () => {
    expect(
      await complete("roundtable --rpc-url http://127.0.0.1:8545 party run --session 7 --sto"),
    ).to.deep.equal(["--store", "--store-password-file"]);
    expect(await complete("roundtable --contract 0xabc session sh")).to.deep.equal(["show"]);
    // demo's --relayer takes no value (party run's does): the next word is a flag's, not a value.
    expect(await complete("roundtable demo --relayer --js")).to.deep.equal(["--json"]);
    expect(
      await complete("roundtable party run --relayer http://127.0.0.1:8546 --sess"),
    ).to.deep.equal(["--session"]);
  });

  it("bash completes a flag's value: files for PATH, choices for --log-level, shells for completion", async () => {
    expect((await complete(`roundtable key new --key-file ${dir}/al`)).sort()).to.deep.equal([
      `${dir}/alice.json`,
      `${dir}/alpha.pw`,
    ]);
    expect(await complete("roundtable session show 7 --log-level ")).to.deep.equal([
      "error",
      "warn",
      "info",
      "debug",
    ]);
    expect(await complete("roundtable completion ")).to.deep.equal(["bash", "zsh", "fish"]);
    expect(await complete("roundtable completion bash ")).to.deep.equal([]);
  });

  it("zsh and fish scripts come from the same specs; an unknown shell is a usage error", async () => {
    const zsh = await runCli(["completion", "zsh"]);
    expect(zsh.code).to.equal(0);
    expect(zsh.stdout).to.include("bashcompinit").and.include("complete -o default -F _roundtable");
    const fish = await runCli(["completion", "fish"]);
    expect(fish.code).to.equal(0);
    for (const command of commands) {
      for (const name of Object.keys(command.options)) {
        expect(fish.stdout, `${command.path.join(" ")} --${name}`).to.include(
          `__roundtable_at \\'${command.path.join(" ")}\\'' -l ${name}`,
        );
      }
    }
    const json = await runCli(["completion", "bash", "--json"]);
    expect(jsonOf(json)).to.deep.equal({ shell: "bash", script });
    const tcsh = await runCli(["completion", "tcsh"]);
    expect(tcsh.code).to.equal(2);
    expect(tcsh.stderr).to.include('"tcsh"').and.include("bash, zsh, fish");
  });
});
