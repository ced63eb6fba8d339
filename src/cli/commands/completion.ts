import { type Command, defineCommand } from "../command.js";
import { completionScript, shells } from "../completion.js";
import { ExitCode } from "../errors.js";
import { parseChoice } from "../parse.js";

/**
 * `roundtable completion SHELL`. It is given the command list (main.ts's) rather than importing
 * it, so that every command there, this one included, completes.
 */
export function completionCommand(commands: () => readonly Command[]): Command {
  return defineCommand({
    path: ["completion"],
    summary: "print a shell completion script (bash, zsh or fish)",
    positionals: [{ name: "SHELL", description: "bash, zsh or fish", choices: shells }],
    options: {},
    description: [
      "Prints a script that completes roundtable's commands, flags and file arguments, generated from the commands' own flags, so it is never behind them. Load it in the current shell, or add the line to your shell's startup file:",
      "bash: source <(roundtable completion bash)   (in ~/.bashrc)",
      "zsh:  source <(roundtable completion zsh)    (in ~/.zshrc; runs the bash completion through bashcompinit)",
      "fish: roundtable completion fish | source    (or save it as ~/.config/fish/completions/roundtable.fish)",
      "It completes the command `roundtable` on the PATH (`npm link`); for bin/roundtable.js, add `complete -F _roundtable bin/roundtable.js` in bash.",
    ],
    examples: [
      "source <(roundtable completion bash)",
      "roundtable completion fish > ~/.config/fish/completions/roundtable.fish",
    ],
    async run({ args, context }) {
      const shell = parseChoice(args[0] ?? "", "SHELL", shells);
      const script = completionScript(shell, commands());
      // --json keeps its promise of one object on stdout: the script is its `script` member.
      context.output.result([script.replace(/\n$/, "")], { shell, script });
      return ExitCode.Success;
    },
  });
}
