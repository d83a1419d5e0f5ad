// Display formats. The API's money is in cents of the account's currency (or the activity's own).
let accountCurrency = "USD";

export function setCurrency(code) {
  if (code) accountCurrency = code;
}

function moneyFormat(currency, digits) {
  try {
    return new Intl.NumberFormat("en-US", {
      style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits,
    });
  } catch {
    return new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
}

export const money = (cents, currency = accountCurrency, digits = 0) => moneyFormat(currency, digits).format(cents / 100);
export const exactMoney = (cents, currency = accountCurrency) => money(cents, currency, 2);
export const count = (n) => new Intl.NumberFormat("en-US").format(n);
export const percent = (v) => `${v.toFixed(2)} %`;
export const day = (iso) => (iso ? iso.slice(0, 10) : "");

// A percentage change as text and a tone for its colour: a rise is good news, except for churn rates.
export function change(pct, lowerIsBetter = false) {
  const sign = pct > 0 ? "+" : "";
  const better = lowerIsBetter ? pct < 0 : pct > 0;
  return { text: `${sign}${pct.toFixed(2)} %`, tone: pct === 0 ? "flat" : better ? "good" : "bad" };
}
