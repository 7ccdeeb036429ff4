import { RE2JS, RE2JSException } from 're2js';

/**
 * The regular expressions of a settings file (`bodyMatches`, a header's or a JSON value's
 * `matches`) run on RE2JS, a JavaScript port of RE2, whose matching time grows linearly with the
 * input. JavaScript's own RegExp backtracks: `^(a+)+$` against thirty `a`s and a `!` blocks the event
 * loop for minutes, the hook's deadline timer cannot fire, and CodeDeploy never hears a verdict.
 * Syntax: https://github.com/google/re2/wiki/Syntax
 */

/** Raised for a pattern the engine cannot run; the message gives the engine's reason. */
export class PatternError extends Error {
  override name = 'PatternError';
}

// Lookaround and backreferences are the usual reasons a pattern written for RegExp is refused.
const NEEDS_BACKTRACKING = /\(\?<?[=!]|\\[1-9]|\\k</;

/** A compiled pattern: compiled once when the settings are parsed, then tested per measurement. */
export class Pattern {
  readonly #compiled: RE2JS;

  private constructor(
    readonly source: string,
    compiled: RE2JS,
  ) {
    this.#compiled = compiled;
  }

  /** Compiles `source`, or throws a PatternError saying why the engine refuses it. */
  static compile(source: string): Pattern {
    try {
      return new Pattern(source, RE2JS.compile(source));
    } catch (error) {
      if (!(error instanceof RE2JSException)) throw error;
      const hint = NEEDS_BACKTRACKING.test(source)
        ? '; lookaround and backreferences are not supported: RE2 leaves them out to keep matching linear in the input'
        : '';
      throw new PatternError(`invalid regular expression (RE2 syntax): ${error.message}${hint}`, { cause: error });
    }
  }

  /** Whether the pattern matches anywhere in `text`, as RegExp's `test` without flags. */
  test(text: string): boolean {
    return this.#compiled.test(text);
  }

  /** Written back as its source, so settings serialise as they were given. */
  toJSON(): string {
    return this.source;
  }

  toString(): string {
    return `/${this.source}/`;
  }
}
