import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { escapeHtml } from './http.ts';

// The dev identity provider's pages (sign-in, consent, sign-out, errors, the portal) in the demo's
// look: the demo's own stylesheet (src/routes/styles.css, so the colours, type, spacing and dark mode
// stay one design system), inlined with a few rules of the IdP's own. No web font, no image, no
// script but the one that finishes a sign-out: nothing leaves 127.0.0.1, and the CSP says so.

const DEMO_STYLES = readFileSync(new URL('../src/routes/styles.css', import.meta.url), 'utf8');

const IDP_STYLES = `
:root { --input-border: #7b8496; }
@media (prefers-color-scheme: dark) { :root { --input-border: #7a8499; } }
body { display: flex; flex-direction: column; }
.idp-header { display: flex; justify-content: center; padding: 2rem 1.25rem 0; }
.idp-brand { display: inline-flex; align-items: center; gap: 0.6rem; font-weight: 700; }
.tag { padding: 0.05rem 0.45rem; border-radius: 999px; font-size: 0.75rem; font-weight: 600; color: var(--accent-strong); background: var(--accent-soft); }
.idp-main { width: 100%; max-width: 28rem; margin: 0 auto; padding: 1.5rem 1.25rem; }
.idp-main:focus { outline: none; }
.idp-card { padding: 2rem; }
.idp-card > * { margin: 0; }
.idp-card > * + * { margin-top: 1.25rem; }
.idp-card h1 { font-size: 1.625rem; }
.idp-card h1 + p { margin-top: 0.5rem; }
.idp-card form > .field + .field { margin-top: 1rem; }
.idp-card form > .field + .button { margin-top: 1.5rem; }
/* oidc-provider's hidden sign-out form, submitted by buttons elsewhere on the page. */
.idp-card > form:not(:has(button)) { display: none; }
.field { display: grid; gap: 0.4rem; }
.field label { font-weight: 600; }
.field input {
	width: 100%; min-height: 2.75rem; padding: 0.55rem 0.75rem; font: inherit; color: var(--text);
	background: var(--surface); border: 1px solid var(--input-border); border-radius: var(--radius-sm);
}
.field input:focus-visible { outline: 3px solid var(--focus); outline-offset: 1px; border-color: var(--accent); border-radius: var(--radius-sm); }
.alert.info > svg { color: var(--accent); }
.alert.note { padding: 0.7rem 0.9rem; font-size: 0.9rem; }
.alert.note > svg { margin-top: 0.1rem; }
.small { font-size: 0.9rem; }
.done { display: grid; place-items: center; width: 3rem; height: 3rem; border-radius: 50%; color: var(--ok); background: var(--ok-soft); }
.center { text-align: center; }
.scopes { display: grid; gap: 0.6rem; padding: 0; list-style: none; }
.scopes li { display: flex; gap: 0.65rem; align-items: flex-start; }
.scopes li::before { content: ''; flex: none; width: 0.5rem; height: 0.5rem; margin-top: 0.55rem; border-radius: 50%; background: var(--accent); }
.who { display: flex; gap: 0.75rem; align-items: center; padding: 0.75rem 1rem; border: 1px solid var(--border); border-radius: var(--radius-sm); }
.who .muted { display: block; font-size: 0.9rem; }
.who > span:last-child { min-width: 0; overflow-wrap: anywhere; }
.avatar { display: inline-grid; flex: none; place-items: center; width: 2.5rem; height: 2.5rem; border-radius: 50%; font-weight: 700; color: var(--accent-strong); background: var(--accent-soft); }
.app { display: grid; gap: 0.5rem; padding: 1rem; border: 1px solid var(--border); border-radius: var(--radius-sm); }
.app h2 { margin: 0; font-size: 1.05rem; }
.app p { margin: 0 0 0.5rem; }
.app code { overflow-wrap: anywhere; }
.actions .button { flex: 1 1 auto; }
.idp-footer { padding: 0.25rem 1.25rem 2rem; font-size: 0.875rem; text-align: center; color: var(--text-muted); }
.idp-footer p { max-width: 28rem; margin: 0 auto; overflow-wrap: anywhere; text-wrap: balance; }
.idp-card p { text-wrap: pretty; }
@media (max-width: 26rem) {
	.idp-header { padding-top: 1.25rem; }
	.idp-main { padding: 1rem 0.75rem; }
	.idp-card { padding: 1.5rem 1.25rem; }
}
`;

const STYLES = `${DEMO_STYLES}\n${IDP_STYLES}`;

// The mark: a person in the demo's rounded square (the demo's own mark is a key).
const MARK = `<svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false"><rect width="32" height="32" rx="8" fill="var(--accent)"/><circle cx="16" cy="12.5" r="4.5" fill="none" stroke="var(--on-accent)" stroke-width="2.5"/><path d="M8.5 25c1.3-4.2 4-6.3 7.5-6.3s6.2 2.1 7.5 6.3" fill="none" stroke="var(--on-accent)" stroke-width="2.5" stroke-linecap="round"/></svg>`;
const FAVICON = `data:image/svg+xml,${encodeURIComponent(
	'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#3554d1"/><circle cx="16" cy="12.5" r="4.5" fill="none" stroke="#fff" stroke-width="2.5"/><path d="M8.5 25c1.3-4.2 4-6.3 7.5-6.3s6.2 2.1 7.5 6.3" fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round"/></svg>'
)}`;

const ICONS = {
	info: `<svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false"><circle cx="10" cy="10" r="9" fill="none" stroke="currentColor" stroke-width="2"/><path d="M10 9v5.5M10 5.5v.5" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`,
	ok: `<svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false"><circle cx="10" cy="10" r="9" fill="none" stroke="currentColor" stroke-width="2"/><path d="m6 10.5 2.7 2.7L14.5 7.5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>`,
	error: `<svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false"><circle cx="10" cy="10" r="9" fill="none" stroke="currentColor" stroke-width="2"/><path d="M10 5.5v5.5M10 13.5v1" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`
};

function alert(kind: 'info' | 'ok' | 'error', html: string, attributes = '', modifier = ''): string {
	const classes = ['alert', ...(kind === 'error' ? [] : [kind]), ...(modifier ? [modifier] : [])].join(' ');
	return `<div class="${classes}"${attributes}>${ICONS[kind]}<div>${html}</div></div>`;
}

/** A script that may run on a page, by its CSP hash. */
function sha256(source: string): string {
	return `'sha256-${createHash('sha256').update(source).digest('base64')}'`;
}

/**
 * The Content-Security-Policy of a dev IdP page: nothing from anywhere (no font, image, script or
 * connection) but its inline styles, the inline scripts listed, and forms that post to the IdP and
 * redirect to `formTargets` (Chromium applies form-action to a form's redirects too).
 */
export function pageCsp(options: { formTargets?: readonly string[]; scripts?: readonly string[] } = {}): string {
	const origins = new Set<string>();
	for (const target of options.formTargets ?? []) {
		try {
			origins.add(new URL(target).origin);
		} catch {
			// not a URL: nothing to allow
		}
	}
	const scripts = (options.scripts ?? []).map(sha256);
	return [
		"default-src 'none'",
		"style-src 'unsafe-inline'",
		'img-src data:',
		...(scripts.length > 0 ? [`script-src ${scripts.join(' ')}`] : []),
		`form-action ${["'self'", ...origins].join(' ')}`,
		"frame-ancestors 'none'",
		"base-uri 'none'"
	].join('; ');
}

export interface PageContext {
	/** Shown in the footer. */
	issuer: string;
}

/** A whole page: the IdP's header, one card with `body`, and a footer that says where it runs. */
export function page(context: PageContext, options: { title: string; body: string; script?: string }): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(options.title)} · Dev identity provider</title>
<link rel="icon" href="${FAVICON}">
<style>${STYLES}</style>${options.script === undefined ? '' : `\n<script>${options.script}</script>`}
</head>
<body>
<header class="idp-header"><span class="idp-brand">${MARK}<span>Dev identity provider</span><span class="tag">sveltekit-sso</span></span></header>
<main id="main" class="idp-main" tabindex="-1">
<div class="card idp-card">
${options.body}
</div>
</main>
<footer class="idp-footer"><p>For development only — <code>${escapeHtml(context.issuer)}</code> runs on your machine, and nothing here leaves it.</p></footer>
</body>
</html>
`;
}

const DEV_NOTE_ID = 'dev-note';
const devNote = alert(
	'info',
	'<p><strong>Development sign-in:</strong> any user name and any password. The user name becomes your user id.</p>',
	` id="${DEV_NOTE_ID}"`,
	'note'
);

/** The sign-in form. Its action, method and hidden `prompt` are what tests/support/idp-login.ts reads. */
export function signInPage(
	context: PageContext,
	input: { action: string; cancel: string; clientName: string; loginHint?: string; error?: string; askOtp?: boolean }
): string {
	const hint = input.loginHint ?? '';
	return page(context, {
		title: 'Sign in',
		body: `<h1>Sign in</h1>
<p class="muted">to continue to <strong>${escapeHtml(input.clientName)}</strong></p>
${input.error ? alert('error', `<p>${escapeHtml(input.error)}</p>`, ' role="alert" id="login-error"') : devNote}
<form action="${escapeHtml(input.action)}" method="post">
<input type="hidden" name="prompt" value="login">
<div class="field">
<label for="login">User name</label>
<input id="login" name="login" type="text" value="${escapeHtml(hint)}" autocomplete="username" autocapitalize="none" spellcheck="false" required${
			hint ? '' : ' autofocus'
		}${input.error ? ' aria-invalid="true" aria-describedby="login-error"' : ` aria-describedby="${DEV_NOTE_ID}"`}>
</div>
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${hint ? ' autofocus' : ''}>
</div>
<div class="field">
<label for="otp">One-time code${input.askOtp ? ' (this app asks for it)' : ' (optional)'}</label>
<input id="otp" name="otp" type="text" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" aria-describedby="otp-note">
<p class="small muted" id="otp-note">Any six digits make this a multi-factor sign-in; leave it empty for a password-only one.</p>
</div>
<button type="submit" class="button block">Sign in</button>
</form>
<p class="center small"><a href="${escapeHtml(input.cancel)}">Cancel and go back to ${escapeHtml(input.clientName)}</a></p>`
	});
}

const SCOPE_TEXT: Record<string, string> = {
	openid: 'Know who you are: your user id',
	profile: 'See your name',
	email: 'See your e-mail address',
	offline_access: 'Keep you signed in while you are away (a refresh token)'
};

/** The consent form: what the app asks for, Allow or Cancel. */
export function consentPage(
	context: PageContext,
	input: { action: string; cancel: string; clientName: string; account: { name: string; email?: string }; scopes: string[]; claims: string[] }
): string {
	const items = input.scopes.map((scope) => `<li>${SCOPE_TEXT[scope] ? escapeHtml(SCOPE_TEXT[scope]) : `Use the scope <code>${escapeHtml(scope)}</code>`}</li>`);
	if (input.claims.length > 0) {
		items.push(`<li>Read ${input.claims.map((claim) => `<code>${escapeHtml(claim)}</code>`).join(', ')}</li>`);
	}
	return page(context, {
		title: 'Allow access',
		body: `<h1>Allow access?</h1>
${whoBlock(input.account)}
<p><strong>${escapeHtml(input.clientName)}</strong> asks to</p>
<ul class="scopes">
${items.length > 0 ? items.join('\n') : '<li>Confirm the access you gave it before</li>'}
</ul>
<form action="${escapeHtml(input.action)}" method="post">
<input type="hidden" name="prompt" value="consent">
<div class="actions">
<button type="submit" class="button" autofocus>Allow</button>
<a class="button secondary" href="${escapeHtml(input.cancel)}">Cancel</a>
</div>
</form>`
	});
}

function whoBlock(account: { name: string; email?: string; sub?: string }): string {
	const initial = account.name.trim().charAt(0).toUpperCase() || '?';
	return `<div class="who"><span class="avatar" aria-hidden="true">${escapeHtml(initial)}</span><span>Signed in as <strong>${escapeHtml(account.name)}</strong>${
		account.email ? ` <span class="muted">${escapeHtml(account.email)}</span>` : ''
	}</span></div>`;
}

/**
 * The sign-out question, for an end-session request that names no app to return to (the portal's
 * "Sign out", a typed URL). `form` is oidc-provider's hidden form (`id="op.logoutForm"`).
 */
export function signOutPage(context: PageContext, input: { form: string; account: { name: string; email?: string } }): string {
	return page(context, {
		title: 'Sign out',
		body: `<h1>Sign out?</h1>
<p class="muted">This ends your session at the identity provider, and the apps you opened with it are told to end theirs.</p>
${whoBlock(input.account)}
${input.form}
<div class="actions">
<button type="submit" form="op.logoutForm" name="logout" value="yes" class="button" autofocus>Sign out</button>
<a class="button secondary" href="/">Stay signed in</a>
</div>`
	});
}

/** Submits the sign-out form as soon as the page is parsed. */
export const SUBMIT_SIGN_OUT = "addEventListener('DOMContentLoaded',function(){document.forms[0].submit()})";

/**
 * The page an app's sign-out passes through: the form submits itself (one click in the app is the
 * whole sign-out); without JavaScript, one "Continue". `action` and `xsrf` are oidc-provider's.
 */
export function signingOutPage(context: PageContext, input: { action: string; xsrf: string; clientName?: string }): string {
	return page(context, {
		title: 'Signing out',
		script: SUBMIT_SIGN_OUT,
		body: `<h1>Signing you out…</h1>
<p class="muted">Ending your session at the identity provider${input.clientName ? `, then back to <strong>${escapeHtml(input.clientName)}</strong>` : ''}.</p>
<form id="op.logoutForm" method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="xsrf" value="${escapeHtml(input.xsrf)}">
<input type="hidden" name="logout" value="yes">
<noscript><button type="submit" class="button block">Continue</button></noscript>
</form>`
	});
}

/** After a sign-out that named no app to return to. */
export function signedOutPage(context: PageContext, input: { clientName?: string }): string {
	return page(context, {
		title: 'Signed out',
		body: `<div class="done" aria-hidden="true"><svg viewBox="0 0 20 20" width="28" height="28" focusable="false"><path d="m5 10.5 3.3 3.3L15.5 6.5" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/></svg></div>
<h1>You are signed out</h1>
<p class="muted" role="status">Your session at the identity provider has ended${input.clientName ? `, and ${escapeHtml(input.clientName)} was told` : ''}.</p>
<div class="actions"><a class="button" href="/">Back to the portal</a></div>`
	});
}

/** An error page: what went wrong, in words, and the OAuth error code for the developer. */
export function errorPage(context: PageContext, input: { code: string; description?: string; next?: { href: string; label: string } }): string {
	const next = input.next ?? { href: '/', label: 'Go to the portal' };
	return page(context, {
		title: 'Something went wrong',
		body: `<h1>Something went wrong</h1>
${alert(
	'error',
	`<p>${escapeHtml(input.description ?? 'The identity provider could not complete this request.')}</p><p class="small">Error code: <code>${escapeHtml(input.code)}</code></p>`,
	' role="alert"'
)}
<div class="actions"><a class="button secondary" href="${escapeHtml(next.href)}">${escapeHtml(next.label)}</a></div>`
	});
}

/** The portal when nobody is signed in. */
export function portalSignedOutPage(context: PageContext, input: { targetField: string }): string {
	return page(context, {
		title: 'Portal',
		body: `<h1>Portal</h1>
<p class="muted">Sign in once here, then open your apps without signing in again.</p>
${devNote}
<form method="get" action="/portal/sign-in">${input.targetField}<button type="submit" class="button block">Sign in</button></form>`
	});
}

/** The portal of a signed-in user: who, the app and its "Open App", sign out. */
export function portalSignedInPage(
	context: PageContext,
	input: { account: { sub: string; name?: string; email?: string }; csrf: string; targetField: string; appName: string; destination: string }
): string {
	const { account } = input;
	const name = account.name ?? account.sub;
	const initial = name.trim().charAt(0).toUpperCase() || '?';
	return page(context, {
		title: 'Portal',
		body: `<h1>Your apps</h1>
<div class="who"><span class="avatar" aria-hidden="true">${escapeHtml(initial)}</span><span>Signed in as <strong data-testid="user-name">${escapeHtml(name)}</strong>${
			account.email ? ` <span class="muted" data-testid="user-email">${escapeHtml(account.email)}</span>` : ''
		} <span class="muted">User id <code data-testid="user-sub">${escapeHtml(account.sub)}</code></span></span></div>
<section class="app" aria-labelledby="app-name">
<h2 id="app-name">${escapeHtml(input.appName)}</h2>
<p class="muted small">Opens <code>${escapeHtml(input.destination)}</code> signed in, with a one-time handoff token.</p>
<form method="post" action="/portal/open-app">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">${input.targetField}
<button type="submit" class="button block">Open App</button>
</form>
</section>
<p class="center"><a class="button quiet" href="/session/end">Sign out</a></p>`
	});
}
