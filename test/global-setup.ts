import { packageService } from '../local/harness.js';

/**
 * Packages the service once for the whole run (stage `local`): the template tests read what it
 * generated and the end-to-end tests run the bundled handlers from its zips.
 */
export default function setup() {
  packageService('local');
}
