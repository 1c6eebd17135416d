// Marks the e2e run: the suites are skipped when the unit jest config picks them up.
process.env.SEGWAY_E2E = '1';
