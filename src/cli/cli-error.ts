// A usage or input error the CLI reports without a stack trace, with the exit status to use.
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
