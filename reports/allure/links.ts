/** The link from compliance.html to one test of the Allure report (its id: reports/allure/results.ts allureTestId). */
export const allureTestHref = (reportHref: string, testId: string) => `${reportHref}#/${testId}`;
