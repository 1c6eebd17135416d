/**
 * What the poll trigger remembers between polls, in the node's static data: the same per-vehicle
 * records and text as the push trigger (so the status filter decides the same way), plus the
 * vehicles that did not answer (to report them once, not at every poll).
 *
 * Static data is the only copy. Polls are minutes apart and may run in any process of an n8n
 * cluster, so nothing is kept in the process between them. n8n saves the node's static data when
 * a poll starts a run: a change that starts a run is therefore never lost, and one that does not
 * (a re-arm, a vehicle's first states) is kept by the running n8n and made again by the first
 * poll after a restart.
 */
import type { IDataObject } from 'n8n-workflow';

import { IOT_CODE_PATTERN } from '../../api/catalog/fields';
import { decodeVehicles, emptyRecord, encodeVehicles, MIRROR_CHARS, type VehicleRecord } from '../shared/memory/codec';

const VEHICLES_KEY = 'segwayPolledVehicles';
const UNANSWERED_KEY = 'segwayUnanswered';

export class PollMemory {
	private readonly records: Map<string, VehicleRecord>;
	readonly unanswered: Set<string>;

	constructor(stored: IDataObject) {
		this.records = decodeVehicles(stored[VEHICLES_KEY]);
		const listed = typeof stored[UNANSWERED_KEY] === 'string' ? (stored[UNANSWERED_KEY] as string).split(',') : [];
		this.unanswered = new Set(listed.filter((code) => IOT_CODE_PATTERN.test(code)));
	}

	record(iotCode: string): VehicleRecord {
		let record = this.records.get(iotCode);
		if (record === undefined) {
			record = emptyRecord();
			this.records.set(iotCode, record);
		}
		return record;
	}

	update(iotCode: string, record: VehicleRecord): void {
		this.records.set(iotCode, record);
	}

	/**
	 * Writes what is remembered of the polled vehicles: a vehicle taken off the list is forgotten,
	 * so the memory never outgrows the list (at most MAX_POLLED_VEHICLES, which fit MIRROR_CHARS).
	 */
	save(stored: IDataObject, polled: readonly string[]): void {
		const kept: Array<[string, VehicleRecord]> = [];
		for (const iotCode of polled) {
			const record = this.records.get(iotCode);
			if (record !== undefined) kept.push([iotCode, record]);
		}
		const vehicles = encodeVehicles(kept, MIRROR_CHARS);
		const unanswered = polled.filter((code) => this.unanswered.has(code)).join(',');
		// Assigned only when changed: n8n writes static data that was assigned to.
		if (stored[VEHICLES_KEY] !== vehicles) stored[VEHICLES_KEY] = vehicles;
		if ((stored[UNANSWERED_KEY] ?? '') !== unanswered) stored[UNANSWERED_KEY] = unanswered;
	}
}
