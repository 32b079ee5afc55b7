// A mistake in what the user gave (a flag, a file): reported as one line, without a stack trace.
export class UserError extends Error {}
