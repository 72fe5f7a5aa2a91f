import { safeReturnTo } from '../../lib/server/index.js';
import { errorMessages, fallbackMessage } from './messages.js';
import type { PageServerLoad } from './$types.js';

export const load: PageServerLoad = ({ url }) => {
	const error = url.searchParams.get('error');
	// requireAuth sends `redirectTo`; links from elsewhere may say `returnTo`. Only a path of this app
	// survives (the sign-in routes check it again).
	const returnTo = safeReturnTo(url.searchParams.get('redirectTo') ?? url.searchParams.get('returnTo'), url.origin, '/dashboard');
	return {
		error: error === null ? null : { code: error.slice(0, 64), message: Object.hasOwn(errorMessages, error) ? errorMessages[error] : fallbackMessage },
		returnTo
	};
};
