import type { AuthErrorCode } from '../errors.js';

/**
 * Turns an `errorRedirect` option into `(code) => path`. A string gets `?error=<code>` appended,
 * unless it already names its error (seed 001: `'/login?error=handoff_failed'`), then it is kept as
 * written. `validate` checks the string once, at construction, and names the option when it fails.
 */
export function toErrorRedirect(
	option: string | ((code: AuthErrorCode) => string),
	validate: (path: string) => string
): (code: AuthErrorCode) => string {
	if (typeof option === 'function') return option;
	const base = validate(option);
	if (/[?&]error=/.test(base)) return () => base;
	return (code) => `${base}${base.includes('?') ? '&' : '?'}error=${code}`;
}
