/** Thrown when a dataset file is malformed; `message` is `<file>: <what is wrong>`, fit to show to a user. */
export class DatasetFormatError extends Error {
  /** The file (name as the user knows it) that is malformed. */
  readonly file: string;
  /** What is wrong, without the file name. */
  readonly problem: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'DatasetFormatError';
    this.file = file;
    this.problem = problem;
  }
}
