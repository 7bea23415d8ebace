/** The bad-input corpus (src/testing/bad-inputs.ts): `distill` arguments → the command's one-line answer. */
export interface BadArgs {
  name: string;
  args: string[];
  /** The first line on stderr, after `distill: `. */
  message: string;
}

const RUN = ['run', '--dataset', 'mnist', '--data', '.'];
export const CLI_ARGS: BadArgs[] = [
  { name: 'a NaN count', args: [...RUN, '--ipc', 'NaN'], message: "--ipc must be a number (got 'NaN')" },
  { name: 'a non-numeric count', args: [...RUN, '--iterations', 'many'], message: "--iterations must be a number (got 'many')" },
  { name: 'an empty count', args: [...RUN, '--width', ''], message: "--width must be a number (got '')" },
  { name: 'a hex count', args: [...RUN, '--width', '0x10'], message: "--width must be a number (got '0x10')" },
  { name: 'a negative count', args: [...RUN, '--real=-4'], message: "--real must be at least 1 (got '-4')" },
  { name: 'a huge count', args: [...RUN, '--iterations', '1e99'], message: "--iterations must be at most 1000000 (got '1e99')" },
  { name: 'an infinite count', args: [...RUN, '--seed', 'Infinity'], message: "--seed must be a number (got 'Infinity')" },
  { name: 'a fractional count', args: [...RUN, '--ipc', '2.5'], message: "--ipc must be a whole number (got '2.5')" },
  { name: 'a NaN hyper-parameter', args: [...RUN, '--sampler-alpha', 'NaN'], message: "--sampler-alpha must be a number (got 'NaN')" },
  { name: 'a hyper-parameter out of range', args: [...RUN, '--sampler-alpha', '1.5'], message: "--sampler-alpha must be between 0 and 1 (got '1.5')" },
  { name: "KRR's label learning rate without learned labels", args: [...RUN, '--method', 'krr', '--lr-labels', '0.5'], message: '--lr-labels applies only with --method krr --learn-labels on' },
  { name: "KRR's label learning rate for another method", args: [...RUN, '--lr-labels', '0.5'], message: '--lr-labels applies to --method krr (this run is --method dm)' },
  { name: 'a negative label learning rate', args: [...RUN, '--method', 'krr', '--learn-labels', 'on', '--lr-labels=-1'], message: "--lr-labels must be at least 0 (got '-1')" },
];

