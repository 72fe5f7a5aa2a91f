import type { AuthErrorCode } from '../../lib/server/index.js';

/**
 * What `/login?error=<code>` tells the user, for every code a failed sign-in, handoff or session
 * check can end with (the compiler checks that none is missing), plus codes apps commonly send here.
 */
export const errorMessages: Record<AuthErrorCode, string> & Record<string, string> = {
	// Codes of a custom errorRedirect.
	handoff_failed: 'Authentication failed. Please try again.',
	token_expired: 'Session expired. Please sign in again.',
	invalid_state: 'Security check failed. Please try again.',
	// A custom errorRedirect may send token_expired here as `expired`.
	expired: 'Session expired. Please sign in again.',

	missing_token: 'The sign-in link was incomplete. Please try again.',
	invalid_request: 'The sign-in request was malformed. Please start again.',
	invalid_token: 'This sign-in link is invalid or has already been used. Please try again.',
	verify_failed: 'Your identity provider could not confirm the sign-in. Please try again.',
	invalid_response: 'Your identity provider sent an answer we could not use. Please try again later.',
	network_error: 'We could not reach your identity provider. Please try again in a moment.',
	timeout: 'Your identity provider took too long to answer. Please try again.',
	session_conflict: 'You are already signed in as someone else. Sign out first.',
	store_unavailable: 'Signing in is unavailable right now. Please try again in a moment.',
	rate_limited: 'Too many sign-in attempts right now. Please try again in a moment.',
	access_denied: 'Sign-in was cancelled or not allowed.',
	login_required: 'You are not signed in at your identity provider. Use “Sign in” instead.',
	invalid_grant: 'The sign-in could not be completed. Please try again.',
	server_error: 'Something went wrong while signing you in. Please try again.',
	session_revoked: 'Your session was ended. Please sign in again.',
	invalid_client: 'This app is not set up correctly with its identity provider. Please contact the site owner.',
	insufficient_user_authentication: 'This page needs a stronger or more recent sign-in, which your identity provider did not confirm.'
};

/** Shown for a code this page does not know. */
export const fallbackMessage = 'An error occurred during authentication.';
