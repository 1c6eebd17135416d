/**
 * Where a point is against a zone's polygons, fast enough to ask on every push of a city-sized
 * document (hundreds of zones, tens of thousands of vertices).
 *
 * - Coordinates are GeoJSON's: x = longitude, y = latitude, in degrees.
 * - Containment is even-odd over a polygon's rings, so it does not depend on ring direction and
 *   a hole is a hole whichever way it turns. A point on an edge or a vertex counts as inside (the
 *   boundary belongs to the zone), so the answer never depends on float rounding at a shared edge.
 * - Each polygon's edges are bucketed into horizontal bands: a ray from the point crosses only
 *   edges spanning its latitude, and a boundary within a distance lies in the bands that distance
 *   covers, so a test reads a few edges instead of all of them.
 * - Distances use a local flat projection around the point: exact to well under a metre at the
 *   tens of metres a boundary margin is about.
 */

export type Position = readonly [longitude: number, latitude: number];
export type Ring = readonly Position[];

/** Metres per degree of latitude (and of longitude at the equator). */
export const METRES_PER_DEGREE = 111_320;

export interface Box {
	minX: number;
	minY: number;
	maxX: number;
	maxY: number;
}

/** One polygon (an outer ring and its holes) with its edges indexed by latitude band. */
export interface IndexedPolygon {
	box: Box;
	/** Edge i runs from (x1[i], y1[i]) to (x2[i], y2[i]). */
	x1: Float64Array;
	y1: Float64Array;
	x2: Float64Array;
	y2: Float64Array;
	bandHeight: number;
	/** Band b holds the edges bandEdges[bandStart[b] … bandStart[b + 1] - 1]. */
	bandStart: Int32Array;
	bandEdges: Int32Array;
}

/** About this many edges per band; more bands cost memory, fewer cost edge tests. */
const EDGES_PER_BAND = 4;
const MAX_BANDS = 4096;

export function boxOf(rings: readonly Ring[]): Box {
	const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
	for (const ring of rings) {
		for (const [x, y] of ring) {
			if (x < box.minX) box.minX = x;
			if (x > box.maxX) box.maxX = x;
			if (y < box.minY) box.minY = y;
			if (y > box.maxY) box.maxY = y;
		}
	}
	return box;
}

/** The box around boxes (a zone's polygons, a document's zones). */
export function unionBox(boxes: readonly Box[]): Box {
	const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
	for (const b of boxes) {
		box.minX = Math.min(box.minX, b.minX);
		box.minY = Math.min(box.minY, b.minY);
		box.maxX = Math.max(box.maxX, b.maxX);
		box.maxY = Math.max(box.maxY, b.maxY);
	}
	return box;
}

export function indexPolygon(rings: readonly Ring[]): IndexedPolygon {
	const box = boxOf(rings);
	const edges = rings.reduce((sum, ring) => sum + ring.length - 1, 0);
	const x1 = new Float64Array(edges);
	const y1 = new Float64Array(edges);
	const x2 = new Float64Array(edges);
	const y2 = new Float64Array(edges);
	let e = 0;
	for (const ring of rings) {
		for (let i = 0; i + 1 < ring.length; i++, e++) {
			[x1[e], y1[e]] = ring[i];
			[x2[e], y2[e]] = ring[i + 1];
		}
	}
	const bands = Math.max(1, Math.min(MAX_BANDS, Math.ceil(edges / EDGES_PER_BAND)));
	const bandHeight = (box.maxY - box.minY) / bands || 1;
	const bandOf = (y: number) => Math.min(bands - 1, Math.max(0, Math.floor((y - box.minY) / bandHeight)));
	const counts = new Int32Array(bands + 1);
	for (let i = 0; i < edges; i++) {
		const [lo, hi] = y1[i] <= y2[i] ? [y1[i], y2[i]] : [y2[i], y1[i]];
		for (let b = bandOf(lo), last = bandOf(hi); b <= last; b++) counts[b + 1] += 1;
	}
	for (let b = 0; b < bands; b++) counts[b + 1] += counts[b];
	const bandStart = Int32Array.from(counts);
	const fill = Int32Array.from(counts);
	const bandEdges = new Int32Array(counts[bands]);
	for (let i = 0; i < edges; i++) {
		const [lo, hi] = y1[i] <= y2[i] ? [y1[i], y2[i]] : [y2[i], y1[i]];
		for (let b = bandOf(lo), last = bandOf(hi); b <= last; b++) bandEdges[fill[b]++] = i;
	}
	return { box, x1, y1, x2, y2, bandHeight, bandStart, bandEdges };
}

function band(polygon: IndexedPolygon, y: number): number {
	const bands = polygon.bandStart.length - 1;
	return Math.min(bands - 1, Math.max(0, Math.floor((y - polygon.box.minY) / polygon.bandHeight)));
}

/** Within a ten-millionth of a millimetre of an edge's line: on it, whatever the rounding. */
const ON_EDGE_DEGREES = 1e-12;

/** Whether (x, y) is inside the polygon or on its boundary. */
export function contains(polygon: IndexedPolygon, x: number, y: number): boolean {
	const { box, x1, y1, x2, y2, bandStart, bandEdges } = polygon;
	if (x < box.minX || x > box.maxX || y < box.minY || y > box.maxY) return false;
	const b = band(polygon, y);
	let inside = false;
	for (let k = bandStart[b], end = bandStart[b + 1]; k < end; k++) {
		const i = bandEdges[k];
		const ax = x1[i];
		const ay = y1[i];
		const bx = x2[i];
		const by = y2[i];
		if (onSegment(ax, ay, bx, by, x, y)) return true;
		if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) inside = !inside;
	}
	return inside;
}

function onSegment(ax: number, ay: number, bx: number, by: number, x: number, y: number): boolean {
	if (x < Math.min(ax, bx) || x > Math.max(ax, bx) || y < Math.min(ay, by) || y > Math.max(ay, by)) return false;
	const length = Math.hypot(bx - ax, by - ay);
	if (length === 0) return x === ax && y === ay;
	return Math.abs((bx - ax) * (y - ay) - (by - ay) * (x - ax)) <= ON_EDGE_DEGREES * length;
}

/**
 * Distance in metres from (x, y) to the polygon's nearest edge, looked for up to `limitMetres`
 * away: Infinity when no edge is that close.
 */
export function boundaryDistanceMetres(polygon: IndexedPolygon, x: number, y: number, limitMetres: number): number {
	const { box, x1, y1, x2, y2, bandStart, bandEdges } = polygon;
	const ky = METRES_PER_DEGREE;
	const kx = METRES_PER_DEGREE * Math.cos((y * Math.PI) / 180);
	const dy = limitMetres / ky;
	const dx = kx > 0 ? limitMetres / kx : 360;
	if (x < box.minX - dx || x > box.maxX + dx || y < box.minY - dy || y > box.maxY + dy) return Infinity;
	let best = Infinity;
	for (let b = band(polygon, y - dy), last = band(polygon, y + dy); b <= last; b++) {
		for (let k = bandStart[b], end = bandStart[b + 1]; k < end; k++) {
			const i = bandEdges[k];
			const d = segmentDistance((x1[i] - x) * kx, (y1[i] - y) * ky, (x2[i] - x) * kx, (y2[i] - y) * ky);
			if (d < best) best = d;
		}
	}
	return best <= limitMetres ? best : Infinity;
}

/** Distance from the origin to the segment a–b (flat coordinates). */
function segmentDistance(ax: number, ay: number, bx: number, by: number): number {
	const vx = bx - ax;
	const vy = by - ay;
	const lengthSquared = vx * vx + vy * vy;
	const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, -(ax * vx + ay * vy) / lengthSquared));
	return Math.hypot(ax + t * vx, ay + t * vy);
}

/** A uniform grid over boxes: which of them may hold a point, without testing all. */
export class BoxGrid {
	private readonly cells: Int32Array[];
	private readonly columns: number;
	private readonly rows: number;
	private readonly bounds: Box;
	private readonly stamp: Int32Array;
	private query = 0;

	constructor(private readonly boxes: readonly Box[]) {
		this.bounds = unionBox(boxes);
		const side = Math.max(1, Math.min(256, Math.ceil(Math.sqrt(boxes.length) * 2)));
		this.columns = side;
		this.rows = side;
		const lists: number[][] = Array.from({ length: side * side }, () => []);
		boxes.forEach((box, index) => {
			const [c0, r0] = this.cell(box.minX, box.minY);
			const [c1, r1] = this.cell(box.maxX, box.maxY);
			for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) lists[r * side + c].push(index);
		});
		this.cells = lists.map((list) => Int32Array.from(list));
		this.stamp = new Int32Array(boxes.length);
	}

	/** Indices (ascending) of the boxes that come within (dx, dy) degrees of (x, y). */
	near(x: number, y: number, dx: number, dy: number): number[] {
		const { bounds } = this;
		if (this.boxes.length === 0 || x < bounds.minX - dx || x > bounds.maxX + dx || y < bounds.minY - dy || y > bounds.maxY + dy) return [];
		const [c0, r0] = this.cell(x - dx, y - dy);
		const [c1, r1] = this.cell(x + dx, y + dy);
		const found: number[] = [];
		this.query += 1;
		for (let r = r0; r <= r1; r++) {
			for (let c = c0; c <= c1; c++) {
				for (const index of this.cells[r * this.columns + c]) {
					if (this.stamp[index] === this.query) continue;
					this.stamp[index] = this.query;
					const box = this.boxes[index];
					if (x >= box.minX - dx && x <= box.maxX + dx && y >= box.minY - dy && y <= box.maxY + dy) found.push(index);
				}
			}
		}
		return found.length > 1 ? found.sort((a, b) => a - b) : found;
	}

	private cell(x: number, y: number): [number, number] {
		const { bounds } = this;
		const width = bounds.maxX - bounds.minX || 1;
		const height = bounds.maxY - bounds.minY || 1;
		const c = Math.floor(((x - bounds.minX) / width) * this.columns);
		const r = Math.floor(((y - bounds.minY) / height) * this.rows);
		return [Math.min(this.columns - 1, Math.max(0, c)), Math.min(this.rows - 1, Math.max(0, r))];
	}
}
