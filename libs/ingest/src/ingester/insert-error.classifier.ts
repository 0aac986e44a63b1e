/**
 * ClickHouse error codes that mean "this data can never be inserted" (the row is wrong, not the
 * server): parse and type errors, out-of-range values, constraint violations. Everything else —
 * network errors, timeouts, TOO_MANY_PARTS (252), MEMORY_LIMIT_EXCEEDED (241), a table that is
 * detached or not yet created (UNKNOWN_TABLE, 60), a read-only replica (242) — is worth retrying
 * with the same block, because nothing about the rows has to change for it to succeed.
 */
const PERMANENT_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF
  33, // CANNOT_READ_ALL_DATA
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  376, // CANNOT_PARSE_UUID
  377, // ILLEGAL_SYNTAX_FOR_DATA_TYPE
  469, // VIOLATED_CONSTRAINT
  1001, // STD_EXCEPTION (e.g. a value the parser cannot represent)
]);

export interface InsertErrorCode {
  code?: number;
  type?: string;
}

/** The ClickHouse code and type of an error from `@clickhouse/client` or chDB's raw insert. */
export function insertErrorCode(error: unknown): InsertErrorCode {
  const fields = (error ?? {}) as { code?: unknown; type?: unknown; message?: unknown };
  const message = typeof fields.message === 'string' ? fields.message : String(error);
  const code = Number(fields.code);
  const parsedCode = /Code: (\d+)\./.exec(message)?.[1];
  return {
    code: Number.isInteger(code) && code > 0 ? code : parsedCode ? Number(parsedCode) : undefined,
    type: typeof fields.type === 'string' ? fields.type : /\(([A-Z_]+)\)\s*$/.exec(message.trim())?.[1],
  };
}

/** False only for errors that say the rows themselves are unacceptable. */
export function isRetryableInsertError(error: unknown): boolean {
  const { code } = insertErrorCode(error);
  return code === undefined || !PERMANENT_CODES.has(code);
}
