// Stand-in for sanitize-html in the course widget runtime (see tools/vendor_web_assets.py).
// The runtime's manager escapes widget descriptions itself and never calls this; reaching it
// would mean a new code path wants HTML sanitising, which the bundle deliberately leaves out.
export default function sanitize() {
  throw new Error('the course widget runtime does not sanitise HTML descriptions: use an HTML widget');
}
