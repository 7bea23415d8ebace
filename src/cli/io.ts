/** Where the `distill` command writes: the process's streams when installed (src/cli/main.ts), a buffer in tests. */
export interface CliIo {
  /** One line of progress or a message (stderr). */
  log(line: string): void;
  /** One line of output: usage, JSON results (stdout). */
  out(line: string): void;
}

/** The process's own streams, one line each. */
export const processIo: CliIo = {
  log: (line) => void process.stderr.write(`${line}\n`),
  out: (line) => void process.stdout.write(`${line}\n`),
};
