/**
 * Domain errors. They carry a stable code and know nothing of HTTP; src/http/problem.ts maps them
 * to responses in one place.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
}

/** The store cannot serve right now (database down, file unreadable, pool exhausted). */
export class StoreUnavailableError extends DomainError {
  readonly code = "STORE_UNAVAILABLE";
  constructor(
    message: string,
    readonly retryAfterSeconds = 5,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The store still builds its index; reads and writes wait for it. */
export class StoreStartingError extends DomainError {
  readonly code = "STORE_STARTING";
}

/** This instance may read but not write (another process holds the writer lock). */
export class StoreReadOnlyError extends DomainError {
  readonly code = "STORE_READ_ONLY";
}

/** A value does not fit the store (e.g. longer than its column). */
export class ValueTooLargeError extends DomainError {
  readonly code = "VALUE_TOO_LARGE";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A write conflicts with what is stored (a constraint, an identity stored with other content). */
export class ConflictError extends DomainError {
  readonly code = "CONFLICT";
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A request value the store cannot work with although it passed validation (e.g. a time zone
 * the database does not know). */
export class InvalidInputError extends DomainError {
  readonly code = "INVALID_INPUT";
  constructor(
    readonly field: string,
    message: string,
    readonly location: "query" | "body" = "query",
  ) {
    super(message);
  }
}
