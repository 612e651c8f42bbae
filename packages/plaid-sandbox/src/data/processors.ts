/** Processors `/processor/token/create` accepts (the `processor` enum of Plaid's spec, 2020-09-14). */
export const PROCESSORS: ReadonlySet<string> = new Set(
  (
    'dwolla galileo modern_treasury ocrolus vesta drivewealth vopay achq check checkbook circle sila_money rize svb_api unit ' +
    'wyre lithic alpaca astra moov treasury_prime marqeta checkout solid highnote gemini apex_clearing gusto adyen atomic i2c ' +
    'wepay riskified utb adp_roll fortress_trust bond bakkt teal zero_hash taba_pay knot sardine alloy finix nuvei layer boom ' +
    'paynote stake wedbush esusu ansa scribeup straddle loanpro bloom_credit sfox brale parafin cardless open_ledger valon ' +
    'gainbridge cardlytics pinwheel thread_bank array fiant oatfi curinos frame interchecks interchange atomicfi'
  ).split(' '),
);
