/**
 * Containment and boundary distance (nodes/shared/zones/geometry.ts) on the shapes real feeds
 * hold: holes, both ring directions, points on edges and vertices, concave city outlines, and a
 * large ring whose edges are spread over many latitude bands.
 */
import { boundaryDistanceMetres, BoxGrid, contains, indexPolygon, METRES_PER_DEGREE, type Ring } from '../../nodes/shared/zones/geometry';
import { ring } from './shapes';

const square = (x0: number, y0: number, x1: number, y1: number): Ring => ring(x0, y0, x1, y1) as unknown as Ring;
const reversed = (ring: Ring): Ring => [...ring].reverse();

describe('containment', () => {
	const outer = square(0, 0, 10, 10);
	const hole = square(4, 4, 6, 6);

	test('inside, outside, and a hole is outside, whatever the direction of either ring', () => {
		for (const rings of [
			[outer, hole],
			[reversed(outer), hole],
			[outer, reversed(hole)],
			[reversed(outer), reversed(hole)],
		]) {
			const polygon = indexPolygon(rings);
			expect(contains(polygon, 1, 1)).toBe(true);
			expect(contains(polygon, 5, 5)).toBe(false);
			expect(contains(polygon, 11, 5)).toBe(false);
			expect(contains(polygon, 3.9, 5)).toBe(true);
		}
	});

	test('a point on an edge or a vertex is inside, of the outer ring and of a hole alike', () => {
		const polygon = indexPolygon([outer, hole]);
		for (const [x, y] of [
			[0, 0],
			[10, 10],
			[5, 0],
			[0, 7.3],
			[10, 3],
			[4, 4],
			[5, 6],
			[6, 4.5],
		]) {
			expect(contains(polygon, x, y)).toBe(true);
		}
		expect(contains(polygon, -1e-9, 5)).toBe(false);
	});

	test('a point on a diagonal edge counts as on it despite float rounding', () => {
		const triangle = indexPolygon([
			[
				[13.1, 52.1],
				[13.7, 52.1],
				[13.1, 52.7],
				[13.1, 52.1],
			],
		]);
		// On the hypotenuse x + y = 65.8, computed in floats.
		expect(contains(triangle, 13.4, 65.8 - 13.4)).toBe(true);
		expect(contains(triangle, 13.39, 52.4)).toBe(true);
		expect(contains(triangle, 13.5, 52.4)).toBe(false);
	});

	test('a ray through a vertex counts the crossing once (concave outline)', () => {
		// A "W" shape: the horizontal ray from (1, 2) passes exactly through the vertices at y = 2.
		const w = indexPolygon([
			[
				[0, 0],
				[8, 0],
				[8, 4],
				[6, 2],
				[4, 4],
				[2, 2],
				[0, 4],
				[0, 0],
			],
		]);
		expect(contains(w, 1, 2)).toBe(true);
		expect(contains(w, 3, 2.5)).toBe(true);
		expect(contains(w, 4, 3)).toBe(true);
		expect(contains(w, 2, 3)).toBe(false);
		expect(contains(w, 6, 3)).toBe(false);
		expect(contains(w, 7, 2)).toBe(true);
	});

	test('a large circle (40,000 edges over thousands of bands) agrees with the distance from its centre', () => {
		const n = 40_000;
		const circle: Array<[number, number]> = Array.from({ length: n }, (_, i) => [Math.cos((2 * Math.PI * i) / n), Math.sin((2 * Math.PI * i) / n)]);
		circle.push(circle[0]);
		const polygon = indexPolygon([circle]);
		let seed = 7;
		const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2.4 - 1.2;
		for (let i = 0; i < 2_000; i++) {
			const [x, y] = [random(), random()];
			const r = Math.hypot(x, y);
			if (Math.abs(r - 1) < 1e-4) continue;
			expect(contains(polygon, x, y)).toBe(r < 1);
		}
	});
});

describe('distance to the boundary', () => {
	// 0.001° of latitude ≈ 111 m; near the equator so a degree of longitude is about as long.
	const polygon = indexPolygon([square(0, 0, 0.01, 0.01)]);

	test('from inside and outside, in metres, and Infinity beyond the limit', () => {
		expect(boundaryDistanceMetres(polygon, 0.005, 0.0001, 50)).toBeCloseTo(0.0001 * METRES_PER_DEGREE, 1);
		expect(boundaryDistanceMetres(polygon, 0.0102, 0.005, 50)).toBeCloseTo(0.0002 * METRES_PER_DEGREE, 0);
		expect(boundaryDistanceMetres(polygon, 0.005, 0.005, 50)).toBe(Infinity);
		expect(boundaryDistanceMetres(polygon, 0.02, 0.005, 50)).toBe(Infinity);
	});

	test('shrinks a degree of longitude with the latitude', () => {
		const north = indexPolygon([square(13.4, 60, 13.41, 60.01)]);
		// At 60° a degree of longitude is half as long: 0.0002° ≈ 11 m.
		expect(boundaryDistanceMetres(north, 13.4002, 60.005, 50)).toBeCloseTo(0.0002 * METRES_PER_DEGREE * 0.5, 0);
	});
});

test('the grid finds exactly the boxes near a point, in list order', () => {
	const boxes = Array.from({ length: 300 }, (_, i) => ({ minX: i % 20, minY: Math.floor(i / 20), maxX: (i % 20) + 0.5, maxY: Math.floor(i / 20) + 0.5 }));
	boxes.push({ minX: 0, minY: 0, maxX: 20, maxY: 15 });
	const grid = new BoxGrid(boxes);
	const brute = (x: number, y: number, d: number) => boxes.flatMap((b, i) => (x >= b.minX - d && x <= b.maxX + d && y >= b.minY - d && y <= b.maxY + d ? [i] : []));
	for (const [x, y, d] of [
		[3.2, 4.2, 0],
		[3.7, 4.2, 0],
		[3.7, 4.2, 0.3],
		[19.9, 14.9, 0.6],
		[-1, -1, 0.5],
		[25, 3, 0],
	]) {
		expect(grid.near(x, y, d, d)).toEqual(brute(x, y, d));
	}
});
