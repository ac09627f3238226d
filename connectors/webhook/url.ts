import type { RefinementCtx } from 'zod';

/**
 * The receiver's URL. Credentials in it are refused: fetch will not send a request to such a
 * URL, and the URL is shown in `GET /apps` and in messages, where a password must not be.
 */

/** Masks as secret options are masked in responses. */
const mask = '********';

/** The URL as messages may quote it: user name and password masked. */
function masked(url: URL): string {
  const copy = new URL(url.href);
  copy.username = copy.username ? mask : '';
  copy.password = copy.password ? mask : '';
  return copy.href;
}

function parse(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

// The user information of a URL that does not parse: it may still hold a password.
const userInfo = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;

/** Checks `url` for zod; `params.shown` keeps a password out of the 400 (see api/validation). */
export function checkWebhookUrl(value: string, ctx: RefinementCtx): void {
  const url = parse(value);
  const credentials = url !== undefined && (url.username !== '' || url.password !== '');
  const shown = credentials ? masked(url) : value.replace(userInfo, `$1${mask}@`);
  const params = shown === value ? undefined : { shown };
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: 'url must be an http:// or https:// URL', params });
  } else if (credentials) {
    const message =
      'url must not contain a user name or password: send credentials in headers (e.g. ' +
      'Authorization), or let the receiver verify the signature made with the secret';
    ctx.addIssue({ code: 'custom', message, params });
  }
}
