// Context keys the sidebar views set, named once: package.json's viewsWelcome reads them (and
// test/unit/viewsLoading.test.ts checks that the two agree).

/** Set to true when a view's first scan of the workspace has ended: until then its welcome
 * content says it is loading instead of "No dataset / No training run yet". */
export const SCANNED_CONTEXT = {
  datasets: 'intersections.datasetsScanned',
  runs: 'intersections.runsScanned',
} as const;
