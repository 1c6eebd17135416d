/**
 * The push signature of the reference's Push section, shared by the trigger (verifying) and the
 * simulator (signing).
 */
import { createHash } from 'crypto';

export const SIGNATURE_FIELD = 'signature';

/**
 * The string the reference hashes: every received parameter except `signature`, sorted by key
 * in ASCII order, as `key=value` joined by `&`, then `&client_secret=<secret>`. Values are the
 * decoded values as received; empty values are kept (`key=`).
 */
export function signatureBase(params: Readonly<Record<string, string>>, clientSecret: string): string {
	const pairs = Object.keys(params)
		.filter((key) => key !== SIGNATURE_FIELD)
		.sort(compareAscii)
		.map((key) => `${key}=${params[key]}`);
	return `${pairs.join('&')}&client_secret=${clientSecret}`;
}

/** MD5 of the signature base as 32 lowercase hex characters. */
export function computeSignature(params: Readonly<Record<string, string>>, clientSecret: string): string {
	return createHash('md5').update(signatureBase(params, clientSecret), 'utf8').digest('hex');
}

/** Code-unit order, which for the ASCII keys of a push is the reference's "ASCII order". */
function compareAscii(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
