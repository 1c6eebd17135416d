/** The credential type the nodes authenticate with, and the fields of it that requests read. */
import type { RegionSettings } from '../catalog/regions';

export const CREDENTIAL_TYPE = 'segwayFleetApi';

export interface SegwayCredentials extends RegionSettings {
	clientSecret: string;
}
