/** Checking a push's signature: the reference's MD5, compared case-insensitively in constant time. */
import { timingSafeEqual } from 'crypto';

import { computeSignature } from '../../api/catalog/signature';

const HEX_32 = /^[0-9a-fA-F]{32}$/;

/** Whether a signature can be right at all: 32 hex digits. Anything else is refused unhashed. */
export function isWellFormedSignature(signature: string | undefined): signature is string {
	return signature !== undefined && HEX_32.test(signature);
}

/** True when `signature` is the MD5 the reference prescribes for `params` and `clientSecret`. */
export function isSignatureValid(
	params: Readonly<Record<string, string>>,
	signature: string | undefined,
	clientSecret: string,
): boolean {
	if (!isWellFormedSignature(signature)) return false;
	const expected = Buffer.from(computeSignature(params, clientSecret), 'latin1');
	const received = Buffer.from(signature.toLowerCase(), 'latin1');
	return timingSafeEqual(expected, received);
}
