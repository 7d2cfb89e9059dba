package Mail::DeliveryStatus::BounceParser;
sub new { bless {}, shift } sub reports { () } sub addresses { () } sub is_bounce { 0 } sub orig_message_id { '' }
1;
