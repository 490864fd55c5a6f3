import { InvalidRequestError } from './errors';

/**
 * What a name shown to people may hold. Graph stores an application's displayName as given and every portal, CLI and
 * audit log shows it, so characters that do not print — control characters (NUL included), format characters (the
 * bidi overrides and isolates that make a name read differently than it is, zero-width joiners), lone surrogates,
 * private-use and unassigned code points, line and paragraph separators — are refused, as is a name of only spaces.
 */
const UNPRINTABLE = /[\p{C}\p{Zl}\p{Zp}]/u;
/** In longer text (a description) line breaks and tabs are fine; nothing else that does not print. */
const UNPRINTABLE_IN_TEXT = /(?![\t\n\r])[\p{C}\p{Zl}\p{Zp}]/u;

function refuse(pointer: string, detail: string): never {
  throw new InvalidRequestError(`${pointer.slice(1)} ${detail}.`, [{ pointer, detail }]);
}

/** A display name: printable characters only, at least one of them not a space. 400 naming `pointer` otherwise. */
export function requireDisplayableName(value: string, pointer: string): void {
  if (UNPRINTABLE.test(value)) {
    refuse(pointer, 'must hold printable characters only (no control, format or bidi characters, no lone surrogates)');
  }
  if (value.trim() === '') refuse(pointer, 'must hold a character other than white space');
}

/** Free text (a description): printable characters, line breaks and tabs. 400 naming `pointer` otherwise. */
export function requireDisplayableText(value: string, pointer: string): void {
  if (UNPRINTABLE_IN_TEXT.test(value)) {
    refuse(
      pointer,
      'must hold printable characters, line breaks and tabs only (no control, format or bidi characters)',
    );
  }
}
